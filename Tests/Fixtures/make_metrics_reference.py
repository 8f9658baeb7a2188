#!/usr/bin/env python3
"""Independent reference values for NovaPulse's return metrics, computed with empyrical
(empyrical-reloaded 0.7.1, the Quantopian library) and pandas, not with NovaPulse code.

The equity curve is Kraken's XBTUSD hourly closes for 2023 Q1 scaled to start at 10,000
(kraken-xbtusd-60m-2023q1.csv, headerless time,open,high,low,close,volume,trades), treated as
the equity of a buy-and-hold run sampled every hour. Annualisation: 365 days x 24 bars.
Writes metrics_reference.json. Run: pip install empyrical-reloaded && python3 make_metrics_reference.py
"""
import csv, json, os
import empyrical as ep
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.reader(open(os.path.join(HERE, "kraken-xbtusd-60m-2023q1.csv"))))
ts = pd.to_datetime([int(r[0]) for r in rows], unit="s", utc=True)
close = np.array([float(r[4]) for r in rows])
equity = pd.Series(10_000 * close / close[0], index=ts)
returns = equity.pct_change().dropna()
ANN = 365 * 24

# Longest drawdown: from a peak to the first sample back at or above it (or to the last
# sample if never recovered), in seconds.
longest, peak_time, underwater = 0.0, equity.index[0], False
running_max = equity.iloc[0]
for t, v in equity.items():
    if v >= running_max:
        if underwater:
            longest = max(longest, (t - peak_time).total_seconds())
        running_max, peak_time, underwater = v, t, False
    else:
        underwater = True
if underwater:
    longest = max(longest, (equity.index[-1] - peak_time).total_seconds())

monthly = equity.resample("ME").last()
first = equity.iloc[0]
monthly_returns = (monthly / monthly.shift(1).fillna(first) - 1)

out = {
    "bars_per_year": ANN,
    "total_return_pct": float((equity.iloc[-1] / equity.iloc[0] - 1) * 100),
    "cagr_pct": float(ep.annual_return(returns, annualization=ANN) * 100),
    "volatility_pct": float(ep.annual_volatility(returns, annualization=ANN) * 100),
    "sharpe": float(ep.sharpe_ratio(returns, annualization=ANN)),
    "sortino": float(ep.sortino_ratio(returns, annualization=ANN)),
    "calmar": float(ep.calmar_ratio(returns, annualization=ANN)),
    "max_drawdown_pct": float(-ep.max_drawdown(returns) * 100),
    "max_drawdown": float((equity.cummax() - equity).max()),
    "max_drawdown_duration_seconds": longest,
    "monthly_returns_pct": {k.strftime("%Y-%m"): float(v * 100) for k, v in monthly_returns.items()},
}
json.dump(out, open(os.path.join(HERE, "metrics_reference.json"), "w"), indent=1)
print(json.dumps(out, indent=1))
