#!/usr/bin/env python3
"""Reference indicator values for NovaPulse's tests, made without NovaPulse code.

TA-Lib (the Python package TA-Lib 0.6+, which bundles the C library) gives SMA, EMA, RSI, ATR,
ADX, +DI, -DI, Bollinger bands, slow stochastic, MACD and OBV. The indicators TA-Lib lacks
(Keltner, Supertrend, Ichimoku, Garman-Klass, VWAP) are written here again from the
definitions in docs/indicators.md, in plain numpy/pandas.
Input: btcusdt-1m-2024-06-01.csv (Binance BTCUSDT 1m, one day). Output: indicator_reference.csv,
columns named as `novapulse indicators` names them, empty during warm-up.
Run: pip install TA-Lib pandas && python3 make_indicator_reference.py
"""
import os
import numpy as np
import pandas as pd
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
df = pd.read_csv(os.path.join(HERE, "btcusdt-1m-2024-06-01.csv"))
o, h, l, c, v = (df[k].to_numpy(float) for k in ["open", "high", "low", "close", "volume"])
out = pd.DataFrame({"timestamp": df["timestamp"]})
out["sma_20"] = talib.SMA(c, 20)
out["ema_20"] = talib.EMA(c, 20)
out["rsi_14"] = talib.RSI(c, 14)
out["atr_14"] = talib.ATR(h, l, c, 14)
out["adx_14"] = talib.ADX(h, l, c, 14)
out["plus_di_14"] = talib.PLUS_DI(h, l, c, 14)
out["minus_di_14"] = talib.MINUS_DI(h, l, c, 14)
up, mid, lo = talib.BBANDS(c, 20, 2, 2, matype=0)
out["bb_upper_20_2"], out["bb_middle_20_2"], out["bb_lower_20_2"] = up, mid, lo
k, d = talib.STOCH(h, l, c, fastk_period=14, slowk_period=3, slowk_matype=0, slowd_period=3, slowd_matype=0)
out["stoch_k_14_3_3"], out["stoch_d_14_3_3"] = k, d
m, s, hist = talib.MACD(c, 12, 26, 9)
out["macd_12_26_9"], out["macd_signal_12_26_9"], out["macd_hist_12_26_9"] = m, s, hist

# Keltner: EMA(20) +/- 2 * ATR(20) (TA-Lib's EMA and ATR as building blocks).
ema20, atr20 = talib.EMA(c, 20), talib.ATR(h, l, c, 20)
middle = np.where(np.isnan(atr20), np.nan, ema20)   # all three lines start once both are warm
out["keltner_upper_20_2"], out["keltner_middle_20_2"], out["keltner_lower_20_2"] = ema20 + 2 * atr20, middle, ema20 - 2 * atr20

# Supertrend (TradingView's rules), ATR(10) Wilder, multiplier 3; direction +1 up, -1 down.
atr10 = talib.ATR(h, l, c, 10)
st, sd = np.full(len(c), np.nan), np.full(len(c), np.nan)
fu = fl = None
direction = None
for i in range(len(c)):
    if np.isnan(atr10[i]):
        continue
    mid_ = (h[i] + l[i]) / 2
    bu, bl = mid_ + 3 * atr10[i], mid_ - 3 * atr10[i]
    if fu is None:
        fu, fl, direction = bu, bl, -1
    else:
        nu = bu if (bu < fu or c[i - 1] > fu) else fu
        nl = bl if (bl > fl or c[i - 1] < fl) else fl
        if direction == -1:
            direction = 1 if c[i] > nu else -1
        else:
            direction = -1 if c[i] < nl else 1
        fu, fl = nu, nl
    st[i] = fl if direction == 1 else fu
    sd[i] = direction
out["supertrend_10_3"], out["supertrend_dir_10_3"] = st, sd

# Ichimoku, undisplaced: midpoints of rolling highs and lows.
H, L = pd.Series(h), pd.Series(l)
mid = lambda n: ((H.rolling(n).max() + L.rolling(n).min()) / 2).to_numpy()
tenkan, kijun = mid(9), mid(26)
out["ichimoku_tenkan_9"], out["ichimoku_kijun_26"] = tenkan, kijun
out["ichimoku_senkou_a_9_26_52"], out["ichimoku_senkou_b_52"] = (tenkan + kijun) / 2, mid(52)

# Garman-Klass: sqrt of the 20-bar mean of 0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2.
gk = 0.5 * np.log(h / l) ** 2 - (2 * np.log(2) - 1) * np.log(c / o) ** 2
out["gk_vol_20"] = np.sqrt(pd.Series(gk).rolling(20).mean().clip(lower=0)).to_numpy()

# Session VWAP reset at UTC midnight, typical price (H + L + C) / 3.
day = df["timestamp"] // 86_400_000
tp = (h + l + c) / 3
pv = pd.Series(tp * v).groupby(day).cumsum()
vv = pd.Series(v).groupby(day).cumsum()
out["vwap"] = (pv / vv.where(vv > 0)).to_numpy()
out["obv"] = talib.OBV(c, v)

out.to_csv(os.path.join(HERE, "indicator_reference.csv"), index=False, float_format="%.17g", na_rep="")
print(f"wrote {len(out)} rows x {len(out.columns)} columns")
