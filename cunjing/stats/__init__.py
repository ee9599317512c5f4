"""Roll-up counters: the bureau's results table (统计) served from per-unit daily and monthly
counters kept in the same transaction as the records that feed them."""
