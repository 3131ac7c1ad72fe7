/**
 * `@outflow/sink-kafka`: where records are written to Kafka. One idempotent producer (`acks=all`), topics
 * created on first use, keys partitioned exactly as the Java producer partitions them.
 */
export type { Compression, KafkaSinkOptions } from './config.ts';
export { createKafkaSink, type KafkaSink, type KafkaSinkStats } from './kafka-sink.ts';
export { javaKeyPartition, murmur2 } from './partitioner.ts';
export { recordSizeUpperBound } from './record-size.ts';
