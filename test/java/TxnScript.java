// An independent transactional writer for the read_committed tests (Kafka's own Java client).
// Usage: java -cp 'libs/*' TxnScript.java <brokers> <topic> <step>...
// Steps run in order, each flushed so that batches of different producers interleave:
//   A+50   producer A sends 50 records (begins a transaction when none is open)
//   A!     producer A commits        A~   producer A aborts
// Values are "<producer>-<txn>-<i>", txn counting from 1 per producer. All go to partition 0.
import java.util.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.StringSerializer;

public class TxnScript {
  public static void main(String[] args) throws Exception {
    String brokers = args[0], topic = args[1];
    Map<String, KafkaProducer<String, String>> producers = new HashMap<>();
    Map<String, Integer> txn = new HashMap<>();
    Set<String> open = new HashSet<>();
    for (int s = 2; s < args.length; s++) {
      String step = args[s];
      String name = step.replaceAll("[+!~].*$", "");
      KafkaProducer<String, String> p = producers.computeIfAbsent(name, n -> {
        Properties props = new Properties();
        props.put("bootstrap.servers", brokers);
        props.put("transactional.id", topic + "-" + n);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.put("linger.ms", "0");
        KafkaProducer<String, String> created = new KafkaProducer<>(props);
        created.initTransactions();
        return created;
      });
      if (step.contains("+")) {
        int count = Integer.parseInt(step.substring(step.indexOf('+') + 1));
        if (open.add(name)) { p.beginTransaction(); txn.merge(name, 1, Integer::sum); }
        for (int i = 0; i < count; i++) p.send(new ProducerRecord<>(topic, 0, name, name + "-" + txn.get(name) + "-" + i));
        p.flush();
      } else if (step.endsWith("!")) {
        p.commitTransaction(); open.remove(name);
      } else if (step.endsWith("~")) {
        p.abortTransaction(); open.remove(name);
      } else throw new IllegalArgumentException("bad step " + step);
    }
    for (KafkaProducer<String, String> p : producers.values()) p.close();
  }
}
