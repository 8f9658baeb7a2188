"""Tiles a real one-minute OHLCV file to N bars (issue 31's 100k / 1M / 10M benchmark).

    zstd -dc ../shared/datasets/binance-btcusdt-1m-2022-01-01_2024-06-25.csv.zst > /tmp/btc.csv
    python3 experiments/scale/tile.py /tmp/btc.csv 10000000 > /tmp/tile-10m.csv

Copies of the file follow each other in time (each shifted by the span of the file plus a
minute), so timestamps stay strictly increasing on the 1-minute grid; prices are the real
ones, repeated. Columns: timestamp (ms), open, high, low, close, volume.
"""
import sys

src, n = sys.argv[1], int(sys.argv[2])
rows = []
with open(src) as f:
    header = f.readline()
    for line in f:
        p = line.rstrip("\n").split(",")
        rows.append((int(p[0]), ",".join(p[1:6])))
span = rows[-1][0] - rows[0][0] + 60_000
out = sys.stdout
out.write("timestamp,open,high,low,close,volume\n")
written, copy = 0, 0
while written < n:
    shift = copy * span
    for t, rest in rows:
        if written == n:
            break
        out.write(f"{t + shift},{rest}\n")
        written += 1
    copy += 1
