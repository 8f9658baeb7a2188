/// The batch pass: runs the streaming indicators over whole columns, bar by bar, so batch and
/// live values come from the same code. Produces the columns of `novapulse indicators`, named
/// `NAME_PARAMS` in lower case, nil during warm-up. O(n) per column.
public enum IndicatorTable {
    public static let columnNames = [
        "sma_20", "ema_20", "rsi_14", "atr_14", "adx_14", "plus_di_14", "minus_di_14",
        "bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2", "stoch_k_14_3_3", "stoch_d_14_3_3",
        "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9",
        "keltner_upper_20_2", "keltner_middle_20_2", "keltner_lower_20_2",
        "supertrend_10_3", "supertrend_dir_10_3",
        "ichimoku_tenkan_9", "ichimoku_kijun_26", "ichimoku_senkou_a_9_26_52", "ichimoku_senkou_b_52",
        "gk_vol_20", "vwap", "obv",
    ]

    /// One array per name in `columnNames`, each `close.count` long.
    public static func compute(timestampMs: [Int64], open: [Double], high: [Double], low: [Double], close: [Double],
                               volume: [Double]) -> [[Double?]] {
        let n = close.count
        var out = Array(repeating: [Double?](repeating: nil, count: n), count: columnNames.count)
        var sma = SMA(period: 20), ema = EMA(period: 20), rsi = RSI(period: 14), atr = ATR(period: 14), adx = ADX(period: 14)
        var bb = BollingerBands(period: 20, deviations: 2), stoch = Stochastic(kPeriod: 14, slowK: 3, slowD: 3)
        var macd = MACD(fast: 12, slow: 26, signal: 9), keltner = KeltnerChannel(emaPeriod: 20, atrPeriod: 20, multiplier: 2)
        var st = Supertrend(period: 10, multiplier: 3), ichimoku = Ichimoku(tenkanPeriod: 9, kijunPeriod: 26, senkouBPeriod: 52)
        var gk = GarmanKlassVolatility(period: 20), vwap = VWAP(), obv = OBV()
        for i in 0..<n {
            let (o, h, l, c, v) = (open[i], high[i], low[i], close[i], volume[i])
            sma.update(c); ema.update(c); rsi.update(c); atr.update(high: h, low: l, close: c); adx.update(high: h, low: l, close: c)
            bb.update(c); stoch.update(high: h, low: l, close: c); macd.update(c); keltner.update(high: h, low: l, close: c)
            st.update(high: h, low: l, close: c); ichimoku.update(high: h, low: l)
            gk.update(open: o, high: h, low: l, close: c); vwap.update(timestampMs: timestampMs[i], high: h, low: l, close: c, volume: v)
            obv.update(close: c, volume: v)
            let row: [Double?] = [
                sma.value, ema.value, rsi.value, atr.value, adx.value, adx.plusDI, adx.minusDI,
                bb.upper, bb.middle, bb.lower, stoch.k, stoch.d, macd.macd, macd.signal, macd.histogram,
                keltner.upper, keltner.middle, keltner.lower, st.value, st.direction.map(Double.init),
                ichimoku.tenkan, ichimoku.kijun, ichimoku.senkouA, ichimoku.senkouB, gk.value, vwap.value, obv.value,
            ]
            for (k, x) in row.enumerated() { out[k][i] = x }
        }
        return out
    }
}
