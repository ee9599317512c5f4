"""The demo county: a bureau shaped like 舞钢市公安局 (Wugang, Henan), built through the services.

``wugang`` holds the static facts (areas, names); ``builder`` turns them and a seed into a plan
and writes it; the ``demo`` management command drives it.
"""
