"""vectorbt's SMA cross on an OHLCV CSV, the comparison of issue 31 (whole process timed outside).

    python3 -m venv /tmp/vbt && /tmp/vbt/bin/pip install vectorbt vectorbt-rust
    /usr/bin/time /tmp/vbt/bin/python experiments/scale/vectorbt_sma_cross.py /tmp/tile-1000000.csv [rust|numba]

fast 10 / slow 30 on the close, long only, all in, Kraken's taker fee: what
`novapulse backtest --strategy sma_cross --param fast=10 --param slow=30 --sizing all-in` does.
"""
import sys
import pandas as pd
import vectorbt as vbt

path = sys.argv[1]
engine = sys.argv[2] if len(sys.argv) > 2 else "rust"
df = pd.read_csv(path, usecols=["timestamp", "close"])
close = pd.Series(df["close"].values, index=pd.to_datetime(df["timestamp"], unit="ms"))
fast = vbt.MA.run(close, 10)
slow = vbt.MA.run(close, 30)
entries = fast.ma_crossed_above(slow)
exits = fast.ma_crossed_below(slow)
pf = vbt.Portfolio.from_signals(close, entries, exits, fees=0.004, init_cash=10_000, freq="1min", engine=engine)
print(f"{len(close)} bars, {pf.trades.count()} trades, total return {pf.total_return():.4f}")
