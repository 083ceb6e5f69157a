package streamfit.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * End-to-end latency of a scorer, judged from outside it with Kafka's own Java clients: input
 * records go out at a fixed rate to a topic with LogAppendTime timestamps (the broker stamps each
 * record when it appends it); a read_committed consumer of the output topic takes, for each output,
 * the time it became visible minus its input's append time (matched by the input partition and
 * offset both apps write into each output's JSON "source").
 *
 *   LatencyProbe create BOOTSTRAP TOPIC PARTITIONS               an input topic with LogAppendTime
 *   LatencyProbe run BOOTSTRAP INPUT OUTPUT RATE SECONDS ROWS.csv WARMUP_SECONDS [RECORDS.txt]
 * run prints one JSON line: sent, received (after warm-up), p50/p90/p99/max in ms, achieved rate;
 * with RECORDS.txt also every record's "appendMs visibleMs" (epoch ms; -1: never seen), one a line,
 * for the broker-kill run (bench/cluster.ts) to find the stall.
 * create makes the topic with the cluster's default replication factor.
 */
public final class LatencyProbe {
  public static void main(String[] args) throws Exception {
    if (args.length >= 4 && args[0].equals("create")) {
      create(args[1], args[2], Integer.parseInt(args[3]));
    } else if (args.length >= 8 && args[0].equals("run")) {
      run(args[1], args[2], args[3], Integer.parseInt(args[4]), Integer.parseInt(args[5]), Path.of(args[6]), Integer.parseInt(args[7]), args.length > 8 ? Path.of(args[8]) : null);
    } else {
      System.err.println("usage: LatencyProbe create BOOTSTRAP TOPIC PARTITIONS | run BOOTSTRAP INPUT OUTPUT RATE SECONDS ROWS.csv WARMUP_SECONDS");
      System.exit(2);
    }
  }

  static void create(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty()).configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
    }
  }

  static void run(String bootstrap, String input, String output, int rate, int seconds, Path rowsFile, int warmupSeconds, Path dump) throws Exception {
    // Rows as streamfit's topics hold them: key = the label, value = the 18 features.
    List<byte[][]> rows = new ArrayList<>();
    for (String line : Files.readAllLines(rowsFile)) {
      int comma = line.indexOf(',');
      if (comma > 0) rows.add(new byte[][] {line.substring(0, comma).getBytes(StandardCharsets.US_ASCII), line.substring(comma + 1).getBytes(StandardCharsets.US_ASCII)});
    }
    int total = rate * seconds;
    // By sequence number: the input's partition, offset and append time (ms; 0 until acknowledged).
    AtomicLongArray appended = new AtomicLongArray(total);
    AtomicLongArray position = new AtomicLongArray(total);
    Map<Long, Long> visibleAt = new java.util.concurrent.ConcurrentHashMap<>(); // (partition << 40 | offset) -> ms
    AtomicBoolean producing = new AtomicBoolean(true);

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.GROUP_ID_CONFIG, "latency-probe-" + System.nanoTime());
    cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
    int[] received = {0};
    Thread reader = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        consumer.subscribe(List.of(output));
        long idleSince = System.currentTimeMillis();
        while (true) {
          var records = consumer.poll(Duration.ofMillis(20));
          long now = System.currentTimeMillis();
          for (ConsumerRecord<byte[], byte[]> r : records) {
            if (visibleAt.putIfAbsent(source(r.value()), now) == null) received[0]++;
          }
          if (!records.isEmpty()) idleSince = now;
          if (received[0] >= total || (!producing.get() && now - idleSince > 15_000)) break;
        }
      }
    });
    reader.start();

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    pp.put(ProducerConfig.ACKS_CONFIG, "all");
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int seq = 0; seq < total; seq++) {
        long due = start + (long) seq * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        final int s = seq;
        byte[][] row = rows.get(seq % rows.size());
        producer.send(new ProducerRecord<>(input, row[0], row[1]), (meta, error) -> {
          if (error == null) { position.set(s, ((long) meta.partition() << 40) | meta.offset()); appended.set(s, meta.timestamp()); }
        });
      }
      producer.flush();
    }
    double sendSeconds = (System.nanoTime() - start) / 1e9;
    producing.set(false);
    reader.join();

    if (dump != null) {
      StringBuilder out = new StringBuilder(total * 28);
      for (int seq = 0; seq < total; seq++) {
        Long seen = appended.get(seq) == 0 ? null : visibleAt.get(position.get(seq));
        out.append(appended.get(seq)).append(' ').append(seen == null ? -1 : seen).append('\n');
      }
      Files.writeString(dump, out);
    }
    int from = rate * warmupSeconds;
    List<Long> latencies = new ArrayList<>();
    int missing = 0;
    for (int seq = from; seq < total; seq++) {
      Long seen = appended.get(seq) == 0 ? null : visibleAt.get(position.get(seq));
      if (seen == null) { missing++; continue; }
      latencies.add(seen - appended.get(seq));
    }
    long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    System.out.println("{\"sent\":" + total + ",\"measured\":" + sorted.length + ",\"missing\":" + missing +
        ",\"rate\":" + Math.round(total / sendSeconds) +
        ",\"p50\":" + pct(sorted, 0.50) + ",\"p90\":" + pct(sorted, 0.90) + ",\"p99\":" + pct(sorted, 0.99) +
        ",\"max\":" + (sorted.length == 0 ? -1 : sorted[sorted.length - 1]) + "}");
  }

  /** (partition << 40 | offset) from an output's JSON {"source":{"topic":…,"partition":P,"offset":O},…}. */
  static long source(byte[] value) {
    String json = new String(value, StandardCharsets.UTF_8);
    int p = json.indexOf("\"partition\":") + 12;
    int o = json.indexOf("\"offset\":", p) + 9;
    return (Long.parseLong(json.substring(p, json.indexOf(',', p)).trim()) << 40) | Long.parseLong(json.substring(o, endOfNumber(json, o)).trim());
  }

  static int endOfNumber(String s, int from) {
    int i = from;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == ' ')) i++;
    return i;
  }

  static long pct(long[] sorted, double q) {
    if (sorted.length == 0) return -1;
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
