package io.vecdb.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.RaftMessage;
import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every message kind, entry operation and snapshot chunk survives encode/decode: re-encoding the
 * decoded object gives the same bytes (so no field is dropped), and truncated or padded buffers are
 * refused. Randomised; the seed is in every failure message.
 */
class RaftCodecTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final RaftModelFactory M = RaftCodec.model();

  private final Random rnd = new Random(SEED);

  private RaftEndpoint ep() {
    return new NodeEndpoint("node-" + rnd.nextInt(9) + "-é");
  }

  private List<RaftEndpoint> eps() {
    List<RaftEndpoint> out = new ArrayList<>();
    for (int i = rnd.nextInt(5); i >= 0; i--) {
      out.add(ep());
    }
    return out;
  }

  private RaftGroupMembersView members() {
    return M.createRaftGroupMembersViewBuilder()
        .setLogIndex(rnd.nextInt(1000))
        .setMembers(eps())
        .setVotingMembers(eps())
        .build();
  }

  private Operation operation() {
    String c = "coll-" + rnd.nextInt(3);
    if (rnd.nextBoolean()) {
      List<PointStruct> points = new ArrayList<>();
      for (int i = rnd.nextInt(4); i >= 0; i--) {
        float[] v = {rnd.nextFloat(), rnd.nextFloat(), -rnd.nextFloat()};
        PointId id =
            rnd.nextBoolean()
                ? PointId.of(rnd.nextLong())
                : PointId.of(new UUID(rnd.nextLong(), rnd.nextLong()));
        points.add(new PointStruct(id, v, new Payload(new JsonObject().put("v", rnd.nextInt()))));
      }
      return new Operation.UpsertPoints(c, points);
    }
    return new Operation.DeletePoints(c, PointSelector.ids(List.of(PointId.of(rnd.nextInt(99)))));
  }

  private Object entryOperation() {
    return switch (rnd.nextInt(3)) {
      case 0 -> new ShardCommand("client-" + rnd.nextInt(5), rnd.nextInt(100), operation());
      case 1 -> NewTermEntry.INSTANCE;
      default ->
          M.createUpdateRaftGroupMembersOpBuilder()
              .setEndpoint(ep())
              .setMode(
                  MembershipChangeMode.values()[rnd.nextInt(MembershipChangeMode.values().length)])
              .setMembers(eps())
              .setVotingMembers(eps())
              .build();
    };
  }

  private LogEntry entry(long index) {
    return M.createLogEntryBuilder()
        .setIndex(index)
        .setTerm(rnd.nextInt(50))
        .setOperation(entryOperation())
        .build();
  }

  private SnapshotChunk chunk() {
    Object op;
    if (rnd.nextBoolean()) {
      Sessions s = new Sessions();
      for (int i = rnd.nextInt(4); i > 0; i--) {
        s.put(
            "c" + i,
            rnd.nextInt(100),
            rnd.nextBoolean()
                ? Applied.ok(rnd.nextInt(100), new ChangeSet(List.of(PointId.of(i)), List.of()))
                : new Applied(
                    rnd.nextInt(100), ChangeSet.NONE, ErrorCode.NOT_FOUND, "gone", false));
      }
      op = s;
    } else {
      op = operation();
    }
    return M.createSnapshotChunkBuilder()
        .setIndex(rnd.nextInt(1000))
        .setTerm(rnd.nextInt(9))
        .setSnapshotChunkIndex(rnd.nextInt(3))
        .setSnapshotChunkCount(3)
        .setGroupMembersView(members())
        .setOperation(op)
        .build();
  }

  private List<RaftMessage> messages() {
    String g = "coll/" + rnd.nextInt(4);
    List<LogEntry> entries = new ArrayList<>();
    long first = 1 + rnd.nextInt(100);
    for (int i = rnd.nextInt(6); i > 0; i--) {
      entries.add(entry(first++));
    }
    return List.of(
        M.createPreVoteRequestBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(rnd.nextInt(99))
            .setLastLogTerm(rnd.nextInt(99))
            .setLastLogIndex(rnd.nextLong() & Long.MAX_VALUE)
            .build(),
        M.createPreVoteResponseBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(3)
            .setGranted(rnd.nextBoolean())
            .build(),
        M.createVoteRequestBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(rnd.nextInt(99))
            .setLastLogTerm(rnd.nextInt(99))
            .setLastLogIndex(rnd.nextInt(1 << 30))
            .setSticky(rnd.nextBoolean())
            .build(),
        M.createVoteResponseBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(4)
            .setGranted(rnd.nextBoolean())
            .build(),
        M.createAppendEntriesRequestBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(rnd.nextInt(99))
            .setPreviousLogTerm(rnd.nextInt(99))
            .setPreviousLogIndex(rnd.nextInt(1000))
            .setCommitIndex(rnd.nextInt(1000))
            .setLogEntries(entries)
            .setQuerySequenceNumber(rnd.nextInt(1000))
            .setFlowControlSequenceNumber(rnd.nextInt(1000))
            .build(),
        M.createAppendEntriesSuccessResponseBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(5)
            .setLastLogIndex(rnd.nextInt(1000))
            .setQuerySequenceNumber(rnd.nextInt(1000))
            .setFlowControlSequenceNumber(rnd.nextInt(1000))
            .build(),
        M.createAppendEntriesFailureResponseBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(6)
            .setExpectedNextIndex(rnd.nextInt(1000))
            .setQuerySequenceNumber(rnd.nextInt(1000))
            .setFlowControlSequenceNumber(rnd.nextInt(1000))
            .build(),
        M.createInstallSnapshotRequestBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(7)
            .setSenderLeader(rnd.nextBoolean())
            .setSnapshotTerm(rnd.nextInt(9))
            .setSnapshotIndex(rnd.nextInt(1000))
            .setTotalSnapshotChunkCount(3)
            .setSnapshotChunk(rnd.nextBoolean() ? chunk() : null)
            .setSnapshottedMembers(eps())
            .setGroupMembersView(members())
            .setQuerySequenceNumber(rnd.nextInt(1000))
            .setFlowControlSequenceNumber(rnd.nextInt(1000))
            .build(),
        M.createInstallSnapshotResponseBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(8)
            .setSnapshotIndex(rnd.nextInt(1000))
            .setRequestedSnapshotChunkIndex(rnd.nextInt(3))
            .setQuerySequenceNumber(rnd.nextInt(1000))
            .setFlowControlSequenceNumber(rnd.nextInt(1000))
            .build(),
        M.createTriggerLeaderElectionRequestBuilder()
            .setGroupId(g)
            .setSender(ep())
            .setTerm(9)
            .setLastLogTerm(rnd.nextInt(9))
            .setLastLogIndex(rnd.nextInt(1000))
            .build());
  }

  @Test
  void everyMessageRoundTrips() {
    for (int round = 0; round < 200; round++) {
      for (RaftMessage m : messages()) {
        Buffer bytes = RaftCodec.encode(m);
        RaftMessage back = RaftCodec.decodeMessage(bytes);
        assertEquals(m.getClass(), back.getClass(), "seed " + SEED);
        assertEquals(bytes, RaftCodec.encode(back), m + ", seed " + SEED);
        assertEquals(m.getGroupId(), back.getGroupId());
        assertEquals(m.getSender(), back.getSender());
        assertEquals(m.getTerm(), back.getTerm());
        if (m instanceof AppendEntriesRequest a) {
          AppendEntriesRequest b = (AppendEntriesRequest) back;
          for (int i = 0; i < a.getLogEntries().size(); i++) {
            Object op = a.getLogEntries().get(i).getOperation();
            Object decoded = b.getLogEntries().get(i).getOperation();
            if (op instanceof ShardCommand c) {
              ShardCommand d = assertInstanceOf(ShardCommand.class, decoded);
              assertEquals(c.client(), d.client());
              assertEquals(c.request(), d.request());
              assertEquals(c.operation(), d.operation(), "seed " + SEED);
            }
          }
        }
      }
    }
  }

  @Test
  void metadataOperationsRoundTrip() {
    io.vertx.core.json.JsonObject body =
        new io.vertx.core.json.JsonObject()
            .put(
                "vectors",
                new io.vertx.core.json.JsonObject().put("size", 3).put("distance", "Dot"))
            .put("shard_number", 2);
    List<Object> ops =
        List.of(
            new io.vecdb.cluster.MetaCommand(
                "cl", 3, new io.vecdb.cluster.MetaCommand.CreateCollection("c", body, 128)),
            new io.vecdb.cluster.MetaCommand(
                "cl", 4, new io.vecdb.cluster.MetaCommand.DeleteCollection("c")),
            new io.vecdb.cluster.meta.ShardMap(
                9,
                new java.util.TreeMap<>(
                    java.util.Map.of(
                        "c",
                        new io.vecdb.cluster.meta.ShardMap.Placement(
                            "c", body, 5, List.of(List.of("n1", "n2"), List.of("n2", "n3")))))),
            new io.vecdb.cluster.MetaCommand(
                "cl",
                5,
                new io.vecdb.cluster.MetaCommand.ChangeAliases(
                    List.of(
                        io.vecdb.collection.Operation.AliasAction.delete("old"),
                        io.vecdb.collection.Operation.AliasAction.create("prod", "c", 0),
                        io.vecdb.collection.Operation.AliasAction.rename("a", "b")))),
            new io.vecdb.cluster.meta.ShardMap(
                10,
                new java.util.TreeMap<>(
                    java.util.Map.of(
                        "c",
                        new io.vecdb.cluster.meta.ShardMap.Placement(
                            "c", body, 5, List.of(List.of("n1"))))),
                new java.util.TreeMap<>(java.util.Map.of("prod", "c", "p2", "c"))),
            new CheckpointRef("n2", 230));
    for (Object op : ops) {
      Buffer b = Buffer.buffer();
      RaftCodec.writeOperation(b, op);
      Object back = RaftCodec.readOperation(new RaftCodec.Reader(b));
      assertEquals(op, back);
    }
  }

  @Test
  void damagedBuffersAreRefused() {
    for (RaftMessage m : messages()) {
      Buffer bytes = RaftCodec.encode(m);
      Buffer shorter = bytes.getBuffer(0, bytes.length() - 1);
      assertThrows(
          IllegalArgumentException.class, () -> RaftCodec.decodeMessage(shorter), m.toString());
      Buffer longer = bytes.copy().appendByte((byte) 0);
      assertThrows(
          IllegalArgumentException.class, () -> RaftCodec.decodeMessage(longer), m.toString());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> RaftCodec.decodeMessage(Buffer.buffer().appendByte((byte) 99)));
  }
}
