package streamfit.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * CSV in, one JSON record out per input, no model: what streamfit's scorer does minus the forward
 * pass. Each SUSY record (key: the label; value: 18 features as CSV) is parsed to numbers and written as a JSON record shaped
 * like streamfit's prediction (source topic/partition/offset, a score, the label, a model name and a
 * time), so both sides produce records of about the same size.
 *
 * Usage: PassThrough BOOTSTRAP APPLICATION_ID INPUT OUTPUT at_least_once|exactly_once_v2 [COMMIT_INTERVAL_MS [BATCH_BYTES LINGER_MS]]
 * BATCH_BYTES and LINGER_MS are the producer's batch.size and linger.ms (the harness passes 262144
 * and 5, as a user tuning for throughput would); without them the stock app (batch.size 16 KiB).
 * Prints "RUNNING" when the app has started; SIGTERM closes it.
 */
public final class PassThrough {
  public static void main(String[] args) throws InterruptedException {
    if (args.length < 5) {
      System.err.println("usage: PassThrough BOOTSTRAP APPLICATION_ID INPUT OUTPUT at_least_once|exactly_once_v2 [COMMIT_INTERVAL_MS [BATCH_BYTES LINGER_MS]]");
      System.exit(2);
    }
    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[4]);
    // 100 ms is Kafka Streams' default under exactly-once; the same interval for at-least-once.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args.length > 5 ? Integer.parseInt(args[5]) : 100);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    if (args.length > 7) {
      props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), Integer.parseInt(args[6]));
      props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), Integer.parseInt(args[7]));
    }

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[2], Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .processValues(ToJson::new)
        .to(args[3], Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      closed.countDown();
    }));
    streams.setStateListener((next, previous) -> {
      if (next == KafkaStreams.State.RUNNING) System.out.println("RUNNING");
      if (next == KafkaStreams.State.ERROR) System.out.println("ERROR");
      System.out.flush();
    });
    streams.start();
    closed.await();
  }

  static final class ToJson implements FixedKeyProcessor<byte[], byte[], byte[]> {
    private FixedKeyProcessorContext<byte[], byte[]> context;

    @Override
    public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
      String csv = new String(record.value(), StandardCharsets.US_ASCII);
      String[] fields = csv.split(",");
      if (fields.length != 18 || record.key() == null) return; // streamfit dead-letters these; none in the benchmark's rows
      double label = Double.parseDouble(new String(record.key(), StandardCharsets.US_ASCII));
      double sum = 0;
      for (String field : fields) sum += Double.parseDouble(field);
      double score = 1 / (1 + Math.exp(-sum / 18)); // a stand-in for the model's probability
      RecordMetadata meta = context.recordMetadata().orElseThrow();
      String json = "{\"source\":{\"topic\":\"" + meta.topic() + "\",\"partition\":" + meta.partition() + ",\"offset\":" + meta.offset() +
          "},\"score\":" + score + ",\"predicted\":" + (score >= 0.5 ? 1 : 0) + ",\"label\":" + (int) label +
          ",\"model\":\"passthrough\",\"scoredAt\":\"" + Instant.now() + "\"}";
      context.forward(record.withValue(json.getBytes(StandardCharsets.UTF_8)));
    }
  }
}
