package dev.closedloop.sync.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * A Redis Cluster of the test's own on loopback: {@code masters} masters and {@code
 * replicasPerMaster} replicas of each, started from the machine's {@code redis-server} with
 * {@code --cluster-enabled yes} on free ports, in a temporary directory, and joined with {@code
 * redis-cli --cluster create}. Nothing is downloaded, nothing is persisted ({@code --save ''},
 * no AOF), and the shared server on 6379 is never touched. {@link #close()} stops every node and
 * deletes the directory; a shutdown hook does the same if a test run is cut short.
 *
 * <pre>{@code
 * try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 1)) {
 *   List<String> seeds = cluster.uris();          // redis://127.0.0.1:<port>, one per node
 *   int master = cluster.masterPortOf("orders:42");
 *   cluster.killMaster(master);                   // SIGKILL; its replica is promoted
 * }
 * }</pre>
 *
 * <p>Failover is quick: nodes run with {@code cluster-node-timeout} {@value #NODE_TIMEOUT_MILLIS}
 * ms and {@code cluster-replica-validity-factor 0} (a replica takes over however long its link
 * was down), so a killed master's slots are served again within a few seconds. {@link
 * #detachReplicaOf} cuts a master's replication link on purpose, which shows what asynchronous
 * replication can lose.
 *
 * <p>Tests that need it should call {@link #isAvailable()} first and skip (or, under CI, fail)
 * when {@code redis-server} or {@code redis-cli} is missing.
 *
 * <p>This class is threadsafe: its methods only run {@code redis-cli} and signal processes.
 */
public final class LocalRedisCluster implements AutoCloseable {
  /** The {@code cluster-node-timeout} of every node: {@value} ms. */
  public static final int NODE_TIMEOUT_MILLIS = 1_000;

  private static final long CLI_TIMEOUT_SECONDS = 30;

  private final Path dir;
  private final Map<Integer, Process> nodes = new LinkedHashMap<>();
  private final Map<Integer, List<String>> commands = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook;

  private LocalRedisCluster(Path dir) {
    this.dir = dir;
    this.shutdownHook = new Thread(this::stopAll, "local-redis-cluster-stop");
  }

  /** Returns whether {@code redis-server} and {@code redis-cli} can be run here. */
  public static boolean isAvailable() {
    return runs("redis-server", "--version") && runs("redis-cli", "--version");
  }

  private static boolean runs(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Starts the nodes, joins them, and returns once every node reports {@code cluster_state:ok}
   * and every replica's link to its master is up.
   *
   * @throws IllegalArgumentException if {@code masters} is below 3 (Redis Cluster's minimum) or
   *     above 16, or {@code replicasPerMaster} is negative or above 2
   * @throws IllegalStateException if a node does not start or the cluster does not form in time
   */
  public static LocalRedisCluster start(int masters, int replicasPerMaster) {
    if (masters < 3 || masters > 16) {
      throw new IllegalArgumentException("masters must be between 3 and 16: " + masters);
    }
    if (replicasPerMaster < 0 || replicasPerMaster > 2) {
      throw new IllegalArgumentException("replicasPerMaster must be between 0 and 2: " + replicasPerMaster);
    }
    Path dir;
    try {
      dir = Files.createTempDirectory("local-redis-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalRedisCluster cluster = new LocalRedisCluster(dir);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      int count = masters * (1 + replicasPerMaster);
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int port = cluster.startNode();
        addresses.add("127.0.0.1:" + port);
      }
      List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
      create.addAll(addresses);
      create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
      String out = run(create);
      if (!out.contains("[OK] All 16384 slots covered")) {
        throw new IllegalStateException("redis-cli --cluster create did not cover every slot:\n" + out);
      }
      cluster.awaitHealthy(30_000);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private int startNode() {
    int port = freePort();
    int busPort = freePort();
    Path nodeDir = dir.resolve(Integer.toString(port));
    try {
      Files.createDirectories(nodeDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--cluster-enabled", "yes", "--cluster-port", Integer.toString(busPort),
        "--cluster-config-file", nodeDir.resolve("nodes.conf").toString(),
        "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS),
        "--cluster-replica-validity-factor", "0",
        "--dir", nodeDir.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no",
        "--logfile", nodeDir.resolve("redis.log").toString());
    synchronized (nodes) {
      commands.put(port, command);
    }
    return launch(port);
  }

  /**
   * Starts the node on {@code port} again after {@link #kill} or {@link #killMaster}, from its
   * {@code nodes.conf} and with no data: it rejoins the cluster, as a replica of the master that
   * took its slots over, and this returns once the cluster is healthy again.
   *
   * @throws IllegalArgumentException if no node of this cluster was started there
   * @throws IllegalStateException if it is still running, or the cluster is not healthy within 30 s
   */
  public void restart(int port) {
    synchronized (nodes) {
      if (!commands.containsKey(port)) {
        throw new IllegalArgumentException("no node of this cluster on port " + port);
      }
      if (nodes.get(port).isAlive()) {
        throw new IllegalStateException("the node on port " + port + " is running");
      }
    }
    launch(port);
    awaitHealthy(30_000);
  }

  private int launch(int port) {
    Path nodeDir = dir.resolve(Integer.toString(port));
    try {
      List<String> command;
      synchronized (nodes) {
        command = commands.get(port);
      }
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      synchronized (nodes) {
        nodes.put(port, p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not start redis-server on port " + port + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      if (!isLive(port)) {
        // most likely the port was taken between our probe and the bind: never talk to whoever has it
        throw new IllegalStateException("redis-server on port " + port + " exited; see " + nodeDir.resolve("redis.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        if (!isLive(port)) {
          continue;
        }
        return port;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("redis-server on port " + port + " did not start; see " + nodeDir);
        }
        pause(50);
      }
    }
  }

  private static int freePort() {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns {@code redis://127.0.0.1:<port>} for every node still running, masters first. */
  public List<String> uris() {
    List<String> out = new ArrayList<>();
    for (int port : masterPorts()) {
      out.add(uri(port));
    }
    for (int port : livePorts()) {
      if (!out.contains(uri(port))) {
        out.add(uri(port));
      }
    }
    return out;
  }

  /** Returns {@code redis://127.0.0.1:<port>}. */
  public static String uri(int port) {
    return "redis://127.0.0.1:" + port;
  }

  /** Returns the ports of the nodes still running, in start order. */
  public List<Integer> livePorts() {
    synchronized (nodes) {
      return nodes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }
  }

  /** Returns the ports of the running masters that serve slots, as a live node sees them. */
  public List<Integer> masterPorts() {
    List<Integer> out = new ArrayList<>();
    for (String[] n : clusterNodes()) {
      if (n[2].contains("master") && !n[2].contains("fail") && n.length > 8 && isLive(port(n))) {
        out.add(port(n));
      }
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /** Returns the port of the master that serves {@code key}'s slot now. */
  public int masterPortOf(String key) {
    int slot = Integer.parseInt(cli(anyLivePort(), "CLUSTER", "KEYSLOT", key).trim());
    for (String[] n : clusterNodes()) {
      if (!n[2].contains("master") || n[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < n.length; i++) {
        String range = n[i];
        if (range.startsWith("[")) {
          continue; // a slot being migrated
        }
        int dash = range.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
        if (slot >= from && slot <= to) {
          return port(n);
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot + " of " + key);
  }

  /** Returns the ports of the running replicas of the master on {@code masterPort}. */
  public List<Integer> replicaPortsOf(int masterPort) {
    String masterId = null;
    List<String[]> all = clusterNodes();
    for (String[] n : all) {
      if (port(n) == masterPort) {
        masterId = n[0];
      }
    }
    List<Integer> out = new ArrayList<>();
    for (String[] n : all) {
      if (n[3].equals(masterId) && isLive(port(n))) {
        out.add(port(n));
      }
    }
    return out;
  }

  /**
   * Kills the master on {@code masterPort} (SIGKILL: no goodbye to clients or replicas) and
   * waits until one of its replicas has taken over its slots and every live node reports {@code
   * cluster_state:ok} again.
   *
   * @return the port of the replica that is its slots' master now
   * @throws IllegalArgumentException if no node of this cluster runs there or it has no replica
   * @throws IllegalStateException if the failover does not finish within 30 seconds
   */
  public int killMaster(int masterPort) {
    List<Integer> replicas = replicaPortsOf(masterPort);
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("the master on port " + masterPort + " has no running replica");
    }
    kill(masterPort);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      for (int r : replicas) {
        if (isLive(r) && info(r, "replication").contains("role:master")) {
          awaitHealthy(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
          return r;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no replica of " + masterPort + " took over within 30 s");
      }
      pause(50);
    }
  }

  /**
   * Kills the node on {@code port} with SIGKILL and waits for its process to end; does not wait
   * for the cluster to notice.
   *
   * @throws IllegalArgumentException if no node of this cluster runs there
   */
  public void kill(int port) {
    Process p;
    synchronized (nodes) {
      p = nodes.get(port);
    }
    if (p == null) {
      throw new IllegalArgumentException("no node of this cluster on port " + port);
    }
    p.toHandle().destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Cuts the replication link of every replica of the master on {@code masterPort}, and keeps it
   * cut: each replica is given a {@code masterauth} the master refuses, then the master drops its
   * replica connections. Writes to that master from now on reach no replica, so {@code WAIT}
   * there answers 0, and a failover loses them. Returns once the master has no replica attached.
   *
   * @throws IllegalStateException if the master still has replicas attached after 10 seconds
   */
  public void detachReplicaOf(int masterPort) {
    for (int r : replicaPortsOf(masterPort)) {
      cli(r, "CONFIG", "SET", "masterauth", "refused-by-the-master");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      cli(masterPort, "CLIENT", "KILL", "TYPE", "replica");
      if (info(masterPort, "replication").contains("connected_slaves:0")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the master on " + masterPort + " still has replicas attached");
      }
      pause(50);
    }
  }

  /**
   * Waits until every live node reports {@code cluster_state:ok} and every live replica's link
   * to its master is up.
   *
   * @throws IllegalStateException if that takes longer than {@code timeoutMillis}
   */
  public void awaitHealthy(long timeoutMillis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    String last = "";
    while (true) {
      boolean ok = true;
      for (int port : livePorts()) {
        try {
          String state = cli(port, "CLUSTER", "INFO");
          String replication = info(port, "replication");
          if (!state.contains("cluster_state:ok")
              || (replication.contains("role:slave") && !replication.contains("master_link_status:up"))) {
            ok = false;
            last = port + ":\n" + state + replication;
            break;
          }
        } catch (IllegalStateException e) {
          ok = false;
          last = e.getMessage();
          break;
        }
      }
      if (ok) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster is not healthy after " + timeoutMillis + " ms; last seen " + last);
      }
      pause(50);
    }
  }

  /** Returns {@code INFO section} of the node on {@code port}. */
  public String info(int port, String section) {
    return cli(port, "INFO", section);
  }

  /**
   * Runs one command with {@code redis-cli} on the node at {@code port} and returns its output.
   *
   * @throws IllegalStateException if redis-cli fails or does not finish within 30 seconds
   */
  public String cli(int port, String... command) {
    List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    args.addAll(List.of(command));
    return run(args);
  }

  private static String run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      if (p.exitValue() != 0 || out.startsWith("Could not connect") || out.startsWith("ERR")) {
        throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + out);
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + command.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }

  /** {@code CLUSTER NODES} of a live node, one split line per node. */
  private List<String[]> clusterNodes() {
    List<String[]> out = new ArrayList<>();
    for (String line : cli(anyLivePort(), "CLUSTER", "NODES").split("\n")) {
      if (!line.isBlank()) {
        out.add(line.trim().split(" "));
      }
    }
    return out;
  }

  private static int port(String[] node) {
    String address = node[1]; // 127.0.0.1:port@busport
    int colon = address.lastIndexOf(':');
    int at = address.indexOf('@');
    return Integer.parseInt(address.substring(colon + 1, at < 0 ? address.length() : at));
  }

  private int anyLivePort() {
    return livePorts().stream().findFirst()
        .orElseThrow(() -> new IllegalStateException("no node of the cluster is running"));
  }

  private boolean isLive(int port) {
    synchronized (nodes) {
      Process p = nodes.get(port);
      return p != null && p.isAlive();
    }
  }

  /** Returns the directory that holds each node's {@code nodes.conf} and {@code redis.log}. */
  public Path directory() {
    return dir;
  }

  /** Stops every node (SIGKILL: nothing is persisted) and deletes the directory. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs or ran
      }
    }
  }

  private void stopAll() {
    List<Process> all;
    synchronized (nodes) {
      all = new ArrayList<>(nodes.values());
    }
    for (Process p : all) {
      p.toHandle().destroyForcibly();
    }
    for (Process p : all) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException | UncheckedIOException e) {
      // a temp directory left behind is harmless
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the cluster", e);
    }
  }

  @Override
  public String toString() {
    return "LocalRedisCluster[" + livePorts() + (closed.get() ? ", closed" : "") + "]";
  }

  /** Returns the port of a live replica of {@code masterPort}, if any. */
  public Optional<Integer> anyReplicaOf(int masterPort) {
    return replicaPortsOf(masterPort).stream().findFirst();
  }
}
