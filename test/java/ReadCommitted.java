// The referee: what Kafka's Java consumer delivers under read_committed.
// Usage: java -cp 'libs/*' ReadCommitted.java <brokers> <topic> [maxPartitionFetchBytes]
// Reads every partition from the beginning to its end offset (the last stable offset under
// read_committed) and prints "<partition> <offset> <value>" per record, in offset order; with
// REFEREE_HEADERS=1 in the environment, each line ends with " headers=" and the record's headers as k=v,k=v.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

public class ReadCommitted {
  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    if (args.length > 2) { props.put("max.partition.fetch.bytes", args[2]); props.put("fetch.max.bytes", args[2]); }
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props)) {
      List<TopicPartition> parts = new ArrayList<>();
      for (var info : c.partitionsFor(args[1])) parts.add(new TopicPartition(args[1], info.partition()));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      boolean headers = "1".equals(System.getenv("REFEREE_HEADERS"));
      StringBuilder out = new StringBuilder();
      long deadline = System.currentTimeMillis() + 60_000;
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        if (System.currentTimeMillis() > deadline) throw new RuntimeException("did not reach the end offsets " + end);
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
          out.append(r.partition()).append(' ').append(r.offset()).append(' ').append(r.value());
          if (headers) {
            StringJoiner h = new StringJoiner(",", " headers=", "");
            for (var header : r.headers()) h.add(header.key() + "=" + new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
            out.append(h);
          }
          out.append('\n');
        }
      }
      System.out.print(out);
    }
  }
}
