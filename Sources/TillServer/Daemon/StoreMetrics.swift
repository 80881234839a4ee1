import Foundation
import TillStore

/// Exposes the writer's counters and the WAL size as Prometheus gauges (read at scrape time).
enum StoreMetrics {
    static func register(store: Store, walPath: String, in registry: MetricsRegistry) {
        registry.gauge("till_writer_batches_total", "Transactions the writer committed (one fsync each)") { Int64(store.stats.batches) }
        registry.gauge("till_writer_requests_total", "Write requests the writer applied") { Int64(store.stats.requests) }
        registry.gauge("till_writer_batch_size_sum", "Sum of batch sizes (divide by batches for the mean)") { Int64(store.stats.batchSizeSum) }
        registry.gauge("till_writer_batch_size_max", "Largest batch so far") { Int64(store.stats.maxBatchSize) }
        for (index, bound) in WriterStats.bucketBounds.enumerated() {
            let label = bound == Int.max ? "+Inf" : String(bound)
            registry.gauge("till_writer_batches_by_size", "Committed batches by size bucket (upper bound)", labels: ["le": label]) {
                Int64(store.stats.batchSizeHistogram[index])
            }
        }
        registry.gauge("till_writer_queue_depth", "Writes waiting for the writer") { Int64(store.stats.queueDepth) }
        registry.gauge("till_writer_overloaded_total", "Writes refused because the queue was full") { Int64(store.stats.rejectedOverloaded) }
        registry.gauge("till_writer_checkpoints_total", "WAL checkpoints run by the writer") { Int64(store.stats.checkpoints) }
        registry.gauge("till_writer_failed", "1 once the writer stopped after a storage failure") { store.stats.storageFailure == nil ? 0 : 1 }
        registry.gauge("till_wal_bytes", "Size of the write-ahead log file") {
            let attributes = try? FileManager.default.attributesOfItem(atPath: walPath)
            return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        }
    }
}
