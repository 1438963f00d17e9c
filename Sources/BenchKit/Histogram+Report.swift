import Histogram

/// Latency percentiles in milliseconds, from a histogram of microseconds.
public struct LatencyReport: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    init(_ histogram: Histogram<UInt64>) {
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        count = histogram.totalCount
        guard count > 0 else {
            p50 = 0; p90 = 0; p99 = 0; p999 = 0; max = 0; mean = 0
            return
        }
        p50 = ms(histogram.valueAtPercentile(50))
        p90 = ms(histogram.valueAtPercentile(90))
        p99 = ms(histogram.valueAtPercentile(99))
        p999 = ms(histogram.valueAtPercentile(99.9))
        max = ms(histogram.max)
        mean = (histogram.mean).rounded() / 1000
    }

    var line: String {
        count == 0 ? "no samples" : "p50 \(p50) ms   p90 \(p90) ms   p99 \(p99) ms   p99.9 \(p999) ms   max \(max) ms   (\(count) samples)"
    }
}
