package dev.closedloop.sync.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.queue.RecoveryReport.Kind;
import dev.closedloop.sync.queue.RecoveryReport.Problem;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files: open succeeds where it safely can, reports what it skipped, and never drops a
 * record whose checksum is valid.
 */
class FileOfflineQueueCorruptionTest {
  @TempDir Path dir;
  final ManualTicker time = new ManualTicker();
  final List<OfflineQueue> opened = new ArrayList<>();

  FileOfflineQueue open() throws IOException {
    FileOfflineQueue q = (FileOfflineQueue) OfflineQueue.builder().clock(time).ticker(time).open(dir);
    opened.add(q);
    return q;
  }

  @AfterEach
  void closeAll() throws IOException {
    for (OfflineQueue q : opened) {
      q.close();
    }
  }

  /** Writes items a..e into segment 1 and closes the queue; returns segment 1. */
  Path fiveItems() throws IOException {
    try (FileOfflineQueue q = open()) {
      for (String k : List.of("a", "b", "c", "d", "e")) {
        q.offer(k, ("payload of " + k).getBytes(UTF_8));
      }
    }
    return FileJournal.segmentPath(dir, 1);
  }

  /** Returns the offsets of the intact records of a file, and its length last. */
  static List<Long> offsets(Path file) throws IOException {
    byte[] b = Files.readAllBytes(file);
    List<Long> out = new ArrayList<>();
    int pos = 0;
    while (pos < b.length) {
      int len = RecordCodec.validLength(b, pos, b.length);
      assertThat(len).isPositive();
      out.add((long) pos);
      pos += len;
    }
    out.add((long) pos);
    return out;
  }

  static List<String> keys(FileOfflineQueue q) {
    List<String> keys = new ArrayList<>();
    for (Entry e : q.entriesForTest()) {
      keys.add(e.item().idempotencyKey());
    }
    return keys;
  }

  @Test
  void cleanFilesGiveACleanReport() throws IOException {
    fiveItems();
    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "b", "c", "d", "e");
    assertThat(q.recoveryReport().isClean()).isTrue();
    assertThat(q.recoveryReport().recordsRead()).isEqualTo(5);
  }

  @Test
  void truncatedTailIsReportedAndTruncatedAndTheRestKept() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    long cut = off.get(5) - 7; // the last record loses its last 7 bytes
    try (var ch = java.nio.channels.FileChannel.open(seg, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(cut);
    }
    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "b", "c", "d");
    assertThat(q.recoveryReport().problems()).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.TORN_TAIL);
      assertThat(p.file()).isEqualTo(seg);
      assertThat(p.offset()).isEqualTo(off.get(4));
      assertThat(p.length()).isEqualTo(cut - off.get(4));
    });
    assertThat(Files.size(seg)).isEqualTo(off.get(4));
    q.close();
    assertThat(open().recoveryReport().isClean()).isTrue();
  }

  @Test
  void flippedByteInAMiddleRecordSkipsOnlyThatRecord() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    byte[] b = Files.readAllBytes(seg);
    b[(int) (off.get(2) + 40)] ^= 0x10; // inside record c
    Files.write(seg, b);

    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "b", "d", "e");
    Problem p = q.recoveryReport().problems().get(0);
    assertThat(q.recoveryReport().problems()).hasSize(1);
    assertThat(p.kind()).isEqualTo(Kind.CORRUPT_REGION);
    assertThat(p.offset()).isEqualTo(off.get(2));
    assertThat(p.length()).isEqualTo(off.get(3) - off.get(2));
    assertThat(Files.readAllBytes(seg)).isEqualTo(b); // left in place: nothing valid is destroyed
  }

  @Test
  void flippedByteInAHeaderIsSkippedAndResyncedOnTheNextMagic() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    byte[] b = Files.readAllBytes(seg);
    b[(int) (off.get(1) + 9)] ^= 0x7F; // the length field of record b: framing is lost
    Files.write(seg, b);
    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "c", "d", "e");
    assertThat(q.recoveryReport().problems()).extracting(Problem::kind).containsExactly(Kind.CORRUPT_REGION);
  }

  @Test
  void zeroFilledRegionIsReportedAndSkipped() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    byte[] b = Files.readAllBytes(seg);
    Arrays.fill(b, off.get(1).intValue(), off.get(3).intValue(), (byte) 0); // records b and c become zeros
    Files.write(seg, b);

    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "d", "e");
    assertThat(q.recoveryReport().problems()).singleElement().satisfies(p -> {
      assertThat(p.kind()).isEqualTo(Kind.CORRUPT_REGION);
      assertThat(p.offset()).isEqualTo(off.get(1));
      assertThat(p.length()).isEqualTo(off.get(3) - off.get(1));
      assertThat(p.detail()).contains("zero-filled");
    });
  }

  @Test
  void trailingZerosOfAPreallocatedSegmentAreNotAProblem() throws IOException {
    Path seg = fiveItems();
    long size = Files.size(seg);
    Files.write(seg, new byte[8192], java.nio.file.StandardOpenOption.APPEND);
    FileOfflineQueue q = open();
    assertThat(keys(q)).hasSize(5);
    assertThat(q.recoveryReport().isClean()).isTrue();
    assertThat(Files.size(seg)).isEqualTo(size);
  }

  @Test
  void garbageFilesAreReportedAndNeverStopTheOpen() throws IOException {
    try (FileOfflineQueue q = open()) {
      q.offer("a", "A".getBytes(UTF_8));
    }
    byte[] garbage = new byte[5000];
    new Random(42).nextBytes(garbage);
    Path olderGarbage = FileJournal.segmentPath(dir, 0).resolveSibling(String.format("%020d.seg", 1L));
    Path data = FileJournal.segmentPath(dir, 1);
    Path renamedData = FileJournal.segmentPath(dir, 3);
    Files.move(data, renamedData); // the data now sits in segment 3, garbage in 1 and in the newest, 4
    Files.write(olderGarbage, garbage);
    Path newestGarbage = FileJournal.segmentPath(dir, 4);
    Files.write(newestGarbage, garbage);
    Path stranger = dir.resolve("notes.txt");
    Files.write(stranger, garbage);

    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a");
    assertThat(q.recoveryReport().problems()).extracting(Problem::kind, Problem::file).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(Kind.UNKNOWN_FILE, stranger),
        org.assertj.core.groups.Tuple.tuple(Kind.CORRUPT_REGION, olderGarbage),
        org.assertj.core.groups.Tuple.tuple(Kind.TORN_TAIL, newestGarbage));
    assertThat(Files.readAllBytes(olderGarbage)).isEqualTo(garbage);
    assertThat(Files.readAllBytes(stranger)).isEqualTo(garbage);
    assertThat(Files.size(newestGarbage)).isZero();
  }

  @Test
  void recordFromAFutureVersionFailsTheOpenWithAClearErrorAndChangesNothing() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    byte[] b = Files.readAllBytes(seg);
    byte[] future = futureRecord();
    byte[] patched = new byte[b.length + future.length];
    int at = off.get(2).intValue();
    System.arraycopy(b, 0, patched, 0, at);
    System.arraycopy(future, 0, patched, at, future.length);
    System.arraycopy(b, at, patched, at + future.length, b.length - at);
    Files.write(seg, patched);
    List<Path> filesBefore = list();

    assertThatThrownBy(this::open)
        .isInstanceOf(UnsupportedQueueFormatException.class)
        .hasMessageContaining(seg.toString())
        .hasMessageContaining("offset " + off.get(2))
        .hasMessageContaining("format version 2")
        .hasMessageContaining("reads only version 1")
        .satisfies(e -> {
          UnsupportedQueueFormatException u = (UnsupportedQueueFormatException) e;
          assertThat(u.file()).isEqualTo(seg);
          assertThat(u.offset()).isEqualTo(off.get(2).longValue());
          assertThat(u.version()).isEqualTo(2);
        });
    assertThat(Files.readAllBytes(seg)).isEqualTo(patched);
    assertThat(list()).isEqualTo(filesBefore);
    // the lock was released: once the file is moved aside, the directory opens
    Files.move(seg, dir.resolve("future-version-segment.bak"));
    assertThat(open().stats().waiting()).isZero();
  }

  @Test
  void intactFrameWithAnUnreadableBodyIsReportedAndSkipped() throws IOException {
    Path seg = fiveItems();
    List<Long> off = offsets(seg);
    byte[] b = Files.readAllBytes(seg);
    byte[] bad = frame((byte) 1, (byte) 99, new byte[] {1, 2, 3}); // unknown type 99
    byte[] patched = new byte[b.length + bad.length];
    int at = off.get(1).intValue();
    System.arraycopy(b, 0, patched, 0, at);
    System.arraycopy(bad, 0, patched, at, bad.length);
    System.arraycopy(b, at, patched, at + bad.length, b.length - at);
    Files.write(seg, patched);
    FileOfflineQueue q = open();
    assertThat(keys(q)).containsExactly("a", "b", "c", "d", "e");
    assertThat(q.recoveryReport().problems()).singleElement()
        .satisfies(p -> assertThat(p.detail()).contains("unreadable body"));
  }

  @Test
  void crashBetweenSnapshotRenameAndSegmentDeletionLeavesNoDuplicates() throws IOException {
    Path seg = fiveItems();
    FileOfflineQueue q = open();
    q.poll();
    q.ack(1);
    Path saved = dir.resolve("saved");
    Files.copy(seg, saved);
    q.compact();
    assertThat(Files.exists(seg)).isFalse();
    q.close();
    Files.move(saved, seg, StandardCopyOption.REPLACE_EXISTING); // as if the delete never happened
    Files.write(dir.resolve("00000000000000000009.snap.tmp"), new byte[] {1, 2, 3});

    FileOfflineQueue r = open();
    assertThat(keys(r)).containsExactly("b", "c", "d", "e");
    assertThat(r.recoveryReport().problems()).extracting(Problem::kind)
        .containsExactlyInAnyOrder(Kind.LEFTOVER_FILE, Kind.LEFTOVER_FILE);
    assertThat(Files.exists(seg)).isFalse();
  }

  private List<Path> list() throws IOException {
    try (var s = Files.list(dir)) {
      return s.sorted().collect(java.util.stream.Collectors.toList());
    }
  }

  private static byte[] futureRecord() {
    return frame((byte) 2, RecordCodec.ACK, ByteBuffer.allocate(8).putLong(1).array());
  }

  /** Frames a body like the writer does, with any version and type, and a valid CRC32C. */
  static byte[] frame(byte version, byte type, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(RecordCodec.HEADER + body.length);
    b.putInt(RecordCodec.MAGIC).put(version).put(type).putShort((short) 0).putInt(body.length).putLong(99);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 4, 16);
    crc.update(body, 0, body.length);
    b.putInt((int) crc.getValue()).put(body);
    return b.array();
  }
}
