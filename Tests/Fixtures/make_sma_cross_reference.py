#!/usr/bin/env python3
"""Independent reference for NovaPulse's sma_cross baseline (no NovaPulse code involved).

Rules, as stated in the foundation issue and backtesting.py's SmaCross:
- SMA(fast) and SMA(slow) of close; a cross up at bar i is fast[i-1] < slow[i-1] and
  fast[i] > slow[i]; a cross down is the mirror.
- Long only. A cross up while flat buys at the NEXT bar's open; a cross down while long sells
  at the next bar's open. A signal on the last bar is not filled.
- All-in sizing: units = cash / ((1 + fee) * price), cut down to the exchange's lot grid
  (Kraken BTC/USD: 8 decimals); fee = units * price * fee on each fill.
- A position open at the end stays open, marked to the last close, no exit fee.
Writes sma_cross_reference.json next to this script.
Run: python3 make_sma_cross_reference.py
"""
import csv, json, math, os

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "btcusdt-1m-2024-06-01.csv")
FAST, SLOW, FEE, CASH = 10, 30, 0.001, 10000.0

rows = list(csv.DictReader(open(DATA)))
ts = [int(r["timestamp"]) for r in rows]
o = [float(r["open"]) for r in rows]
c = [float(r["close"]) for r in rows]

def sma(i, n):
    return sum(c[i - n + 1:i + 1]) / n if i >= n - 1 else None

cash, units, entry = CASH, 0.0, None
trades = []
pending = None  # ("buy"|"sell", decided at bar i)
for i in range(len(rows)):
    # 1. fill what was decided on the previous bar, at this bar's open
    if pending == "buy":
        price = o[i]
        units = cash / ((1 + FEE) * price)
        scaled = units * 1e8
        units = (round(scaled) if abs(scaled - round(scaled)) <= 1e-7 else math.floor(scaled)) / 1e8
        fee = units * price * FEE
        cash -= units * price + fee
        entry = {"entry_time": ts[i], "entry_price": price, "quantity": units, "entry_fee": fee}
    elif pending == "sell":
        price = o[i]
        fee = units * price * FEE
        cash += units * price - fee
        entry.update(exit_time=ts[i], exit_price=price, exit_fee=fee,
                     pnl=units * (price - entry["entry_price"]) - entry["entry_fee"] - fee)
        trades.append(entry)
        units, entry = 0.0, None
    pending = None
    # 2. decide on this bar's close
    f0, s0, f1, s1 = sma(i - 1, FAST), sma(i - 1, SLOW), sma(i, FAST), sma(i, SLOW)
    if None in (f0, s0, f1, s1) or i - 1 < SLOW - 1:
        continue
    if f0 < s0 and f1 > s1 and entry is None:
        pending = "buy"
    elif f0 > s0 and f1 < s1 and entry is not None:
        pending = "sell"

final_equity = cash + units * c[-1]
out = {"fast": FAST, "slow": SLOW, "fee": FEE, "cash": CASH, "closed_trades": trades,
       "open_trade": entry, "final_equity": final_equity, "last_close": c[-1]}
json.dump(out, open(os.path.join(HERE, "sma_cross_reference.json"), "w"), indent=1)
print(f"{len(trades)} closed trades, open: {entry is not None}, final equity {final_equity:.6f}")
