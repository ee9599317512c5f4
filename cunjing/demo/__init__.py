"""The demo county: a bureau shaped like 舞钢市公安局 (Wugang, Henan), built through the services,
with its registry and its simulated field work.

This app sits on top: it may import every domain app, and no runtime app imports it.
``wugang`` holds the static facts (areas, names); ``builder`` turns them and a seed into a plan
and writes it; ``registry`` fills the registry (一标三实) of its villages and communities;
``fieldwork`` simulates the beat officers' field work; the ``demo`` management command drives
them all.
"""
