package io.vecdb.cluster.raft;

import io.microraft.MembershipChangeMode;
import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.groupop.UpdateRaftGroupMembersOp;
import io.microraft.model.impl.DefaultRaftModelFactory;
import io.microraft.model.log.BaseLogEntry;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.message.AppendEntriesFailureResponse;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.AppendEntriesSuccessResponse;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.InstallSnapshotResponse;
import io.microraft.model.message.PreVoteRequest;
import io.microraft.model.message.PreVoteResponse;
import io.microraft.model.message.RaftMessage;
import io.microraft.model.message.TriggerLeaderElectionRequest;
import io.microraft.model.message.VoteRequest;
import io.microraft.model.message.VoteResponse;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.vecdb.cluster.MetaCommand;
import io.vecdb.cluster.NodeRegistry;
import io.vecdb.cluster.meta.ShardMap;
import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationCodec;
import io.vecdb.model.PointId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * The binary form of everything Raft sends or stores: messages (the event-bus transport), log
 * entries and their operations, snapshot chunks and persistent state (the WAL-backed store). One
 * format for both, so an entry is encoded once and its bytes travel and land unchanged.
 *
 * <p>Layout: little-endian; strings are an int length and UTF-8 bytes (-1: null); endpoint lists an
 * int count and their ids. A log entry is its index (long) and term (int) before its operation, so
 * both are readable without decoding the payload. Operations: a tag byte, then {@link ShardCommand}
 * (client, request, the {@link OperationCodec} bytes with their length), the new-term entry
 * (nothing), a membership change (endpoint, mode, members, voting members), or snapshot chunks
 * (sessions; a plain operation). Stateless and thread-safe.
 *
 * <p>Decoding untrusted bytes fails with {@link IllegalArgumentException} (unknown tag, short
 * buffer), never with a half-built object.
 */
public final class RaftCodec {
  /** Format version: part of the WAL record types and the bus address, change both with it. */
  public static final int VERSION = 1;

  private static final RaftModelFactory MODEL = new DefaultRaftModelFactory();

  private static final byte MSG_PRE_VOTE_REQUEST = 1;
  private static final byte MSG_PRE_VOTE_RESPONSE = 2;
  private static final byte MSG_VOTE_REQUEST = 3;
  private static final byte MSG_VOTE_RESPONSE = 4;
  private static final byte MSG_APPEND_REQUEST = 5;
  private static final byte MSG_APPEND_SUCCESS = 6;
  private static final byte MSG_APPEND_FAILURE = 7;
  private static final byte MSG_INSTALL_SNAPSHOT_REQUEST = 8;
  private static final byte MSG_INSTALL_SNAPSHOT_RESPONSE = 9;
  private static final byte MSG_TRIGGER_ELECTION = 10;

  private static final byte OP_COMMAND = 1;
  private static final byte OP_NEW_TERM = 2;
  private static final byte OP_MEMBERS = 3;
  private static final byte OP_SESSIONS = 4;
  private static final byte OP_SNAPSHOT_OPERATION = 5;
  private static final byte OP_META_REGISTER = 6;
  private static final byte OP_META_REGISTRY = 7;
  private static final byte OP_META_CREATE_COLLECTION = 8;
  private static final byte OP_META_DELETE_COLLECTION = 9;
  private static final byte OP_META_SHARD_MAP = 10;
  private static final byte OP_CHECKPOINT = 11;
  private static final byte OP_META_CHANGE_ALIASES = 12;
  private static final byte OP_META_SHARD_MAP_ALIASES = 13; // OP_META_SHARD_MAP plus aliases

  private RaftCodec() {}

  /** The model factory decoded objects are built with (MicroRaft's default model). */
  public static RaftModelFactory model() {
    return MODEL;
  }

  // ---- messages ----

  public static Buffer encode(RaftMessage m) {
    Buffer out = Buffer.buffer(64);
    switch (m) {
      case PreVoteRequest r -> {
        head(out, MSG_PRE_VOTE_REQUEST, m);
        out.appendIntLE(r.getLastLogTerm()).appendLongLE(r.getLastLogIndex());
      }
      case PreVoteResponse r -> {
        head(out, MSG_PRE_VOTE_RESPONSE, m);
        out.appendByte(bool(r.isGranted()));
      }
      case VoteRequest r -> {
        head(out, MSG_VOTE_REQUEST, m);
        out.appendIntLE(r.getLastLogTerm()).appendLongLE(r.getLastLogIndex());
        out.appendByte(bool(r.isSticky()));
      }
      case VoteResponse r -> {
        head(out, MSG_VOTE_RESPONSE, m);
        out.appendByte(bool(r.isGranted()));
      }
      case AppendEntriesRequest r -> {
        head(out, MSG_APPEND_REQUEST, m);
        out.appendIntLE(r.getPreviousLogTerm()).appendLongLE(r.getPreviousLogIndex());
        out.appendLongLE(r.getCommitIndex());
        out.appendLongLE(r.getQuerySequenceNumber()).appendLongLE(r.getFlowControlSequenceNumber());
        out.appendIntLE(r.getLogEntries().size());
        for (LogEntry e : r.getLogEntries()) {
          writeEntry(out, e);
        }
      }
      case AppendEntriesSuccessResponse r -> {
        head(out, MSG_APPEND_SUCCESS, m);
        out.appendLongLE(r.getLastLogIndex());
        out.appendLongLE(r.getQuerySequenceNumber()).appendLongLE(r.getFlowControlSequenceNumber());
      }
      case AppendEntriesFailureResponse r -> {
        head(out, MSG_APPEND_FAILURE, m);
        out.appendLongLE(r.getExpectedNextIndex());
        out.appendLongLE(r.getQuerySequenceNumber()).appendLongLE(r.getFlowControlSequenceNumber());
      }
      case InstallSnapshotRequest r -> {
        head(out, MSG_INSTALL_SNAPSHOT_REQUEST, m);
        out.appendByte(bool(r.isSenderLeader()));
        out.appendIntLE(r.getSnapshotTerm()).appendLongLE(r.getSnapshotIndex());
        out.appendIntLE(r.getTotalSnapshotChunkCount());
        out.appendByte(bool(r.getSnapshotChunk() != null));
        if (r.getSnapshotChunk() != null) {
          writeChunk(out, r.getSnapshotChunk());
        }
        endpoints(out, r.getSnapshottedMembers());
        writeMembers(out, r.getGroupMembersView());
        out.appendLongLE(r.getQuerySequenceNumber()).appendLongLE(r.getFlowControlSequenceNumber());
      }
      case InstallSnapshotResponse r -> {
        head(out, MSG_INSTALL_SNAPSHOT_RESPONSE, m);
        out.appendLongLE(r.getSnapshotIndex()).appendIntLE(r.getRequestedSnapshotChunkIndex());
        out.appendLongLE(r.getQuerySequenceNumber()).appendLongLE(r.getFlowControlSequenceNumber());
      }
      case TriggerLeaderElectionRequest r -> {
        head(out, MSG_TRIGGER_ELECTION, m);
        out.appendIntLE(r.getLastLogTerm()).appendLongLE(r.getLastLogIndex());
      }
      default ->
          throw new IllegalArgumentException("unknown Raft message " + m.getClass().getName());
    }
    return out;
  }

  public static RaftMessage decodeMessage(Buffer in) {
    Reader r = new Reader(in);
    byte kind = r.b();
    String group = r.str();
    RaftEndpoint sender = r.endpoint();
    int term = r.i();
    RaftMessage m =
        switch (kind) {
          case MSG_PRE_VOTE_REQUEST ->
              MODEL
                  .createPreVoteRequestBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setLastLogTerm(r.i())
                  .setLastLogIndex(r.l())
                  .build();
          case MSG_PRE_VOTE_RESPONSE ->
              MODEL
                  .createPreVoteResponseBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setGranted(r.bool())
                  .build();
          case MSG_VOTE_REQUEST ->
              MODEL
                  .createVoteRequestBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setLastLogTerm(r.i())
                  .setLastLogIndex(r.l())
                  .setSticky(r.bool())
                  .build();
          case MSG_VOTE_RESPONSE ->
              MODEL
                  .createVoteResponseBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setGranted(r.bool())
                  .build();
          case MSG_APPEND_REQUEST -> {
            int prevTerm = r.i();
            long prevIndex = r.l();
            long commit = r.l();
            long query = r.l();
            long flow = r.l();
            int n = r.count();
            List<LogEntry> entries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
              entries.add(readEntry(r));
            }
            yield MODEL
                .createAppendEntriesRequestBuilder()
                .setGroupId(group)
                .setSender(sender)
                .setTerm(term)
                .setPreviousLogTerm(prevTerm)
                .setPreviousLogIndex(prevIndex)
                .setCommitIndex(commit)
                .setLogEntries(entries)
                .setQuerySequenceNumber(query)
                .setFlowControlSequenceNumber(flow)
                .build();
          }
          case MSG_APPEND_SUCCESS ->
              MODEL
                  .createAppendEntriesSuccessResponseBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setLastLogIndex(r.l())
                  .setQuerySequenceNumber(r.l())
                  .setFlowControlSequenceNumber(r.l())
                  .build();
          case MSG_APPEND_FAILURE ->
              MODEL
                  .createAppendEntriesFailureResponseBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setExpectedNextIndex(r.l())
                  .setQuerySequenceNumber(r.l())
                  .setFlowControlSequenceNumber(r.l())
                  .build();
          case MSG_INSTALL_SNAPSHOT_REQUEST -> {
            boolean leader = r.bool();
            int snapshotTerm = r.i();
            long snapshotIndex = r.l();
            int total = r.i();
            SnapshotChunk chunk = r.bool() ? readChunk(r) : null;
            List<RaftEndpoint> snapshotted = r.endpoints();
            RaftGroupMembersView members = readMembers(r);
            yield MODEL
                .createInstallSnapshotRequestBuilder()
                .setGroupId(group)
                .setSender(sender)
                .setTerm(term)
                .setSenderLeader(leader)
                .setSnapshotTerm(snapshotTerm)
                .setSnapshotIndex(snapshotIndex)
                .setTotalSnapshotChunkCount(total)
                .setSnapshotChunk(chunk)
                .setSnapshottedMembers(snapshotted)
                .setGroupMembersView(members)
                .setQuerySequenceNumber(r.l())
                .setFlowControlSequenceNumber(r.l())
                .build();
          }
          case MSG_INSTALL_SNAPSHOT_RESPONSE ->
              MODEL
                  .createInstallSnapshotResponseBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setSnapshotIndex(r.l())
                  .setRequestedSnapshotChunkIndex(r.i())
                  .setQuerySequenceNumber(r.l())
                  .setFlowControlSequenceNumber(r.l())
                  .build();
          case MSG_TRIGGER_ELECTION ->
              MODEL
                  .createTriggerLeaderElectionRequestBuilder()
                  .setGroupId(group)
                  .setSender(sender)
                  .setTerm(term)
                  .setLastLogTerm(r.i())
                  .setLastLogIndex(r.l())
                  .build();
          default -> throw new IllegalArgumentException("unknown Raft message kind " + kind);
        };
    r.end();
    return m;
  }

  private static void head(Buffer out, byte kind, RaftMessage m) {
    out.appendByte(kind);
    str(out, (String) m.getGroupId());
    endpoint(out, m.getSender());
    out.appendIntLE(m.getTerm());
  }

  // ---- entries, chunks, operations ----

  /** Appends a log entry: index, term, then its operation. */
  public static void writeEntry(Buffer out, BaseLogEntry e) {
    out.appendLongLE(e.getIndex()).appendIntLE(e.getTerm());
    writeOperation(out, e.getOperation());
  }

  public static LogEntry readEntry(Reader r) {
    long index = r.l();
    int term = r.i();
    return MODEL
        .createLogEntryBuilder()
        .setIndex(index)
        .setTerm(term)
        .setOperation(readOperation(r))
        .build();
  }

  public static void writeChunk(Buffer out, SnapshotChunk c) {
    out.appendLongLE(c.getIndex()).appendIntLE(c.getTerm());
    out.appendIntLE(c.getSnapshotChunkIndex()).appendIntLE(c.getSnapshotChunkCount());
    writeMembers(out, c.getGroupMembersView());
    writeOperation(out, c.getOperation());
  }

  public static SnapshotChunk readChunk(Reader r) {
    long index = r.l();
    int term = r.i();
    int chunkIndex = r.i();
    int chunkCount = r.i();
    RaftGroupMembersView members = readMembers(r);
    return MODEL
        .createSnapshotChunkBuilder()
        .setIndex(index)
        .setTerm(term)
        .setSnapshotChunkIndex(chunkIndex)
        .setSnapshotChunkCount(chunkCount)
        .setGroupMembersView(members)
        .setOperation(readOperation(r))
        .build();
  }

  public static void writeSnapshot(Buffer out, SnapshotEntry s) {
    out.appendLongLE(s.getIndex()).appendIntLE(s.getTerm());
    writeMembers(out, s.getGroupMembersView());
    @SuppressWarnings("unchecked")
    List<SnapshotChunk> chunks = (List<SnapshotChunk>) s.getOperation();
    out.appendIntLE(chunks.size());
    for (SnapshotChunk c : chunks) {
      writeChunk(out, c);
    }
  }

  public static SnapshotEntry readSnapshot(Reader r) {
    long index = r.l();
    int term = r.i();
    RaftGroupMembersView members = readMembers(r);
    int n = r.count();
    List<SnapshotChunk> chunks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      chunks.add(readChunk(r));
    }
    return MODEL
        .createSnapshotEntryBuilder()
        .setIndex(index)
        .setTerm(term)
        .setGroupMembersView(members)
        .setSnapshotChunks(chunks)
        .build();
  }

  static void writeOperation(Buffer out, Object op) {
    switch (op) {
      case ShardCommand c -> {
        out.appendByte(OP_COMMAND);
        str(out, c.client());
        out.appendLongLE(c.request());
        operation(out, c.operation());
      }
      case NewTermEntry n -> out.appendByte(OP_NEW_TERM);
      case UpdateRaftGroupMembersOp u -> {
        out.appendByte(OP_MEMBERS);
        endpoint(out, u.getEndpoint());
        out.appendByte((byte) u.getMode().ordinal());
        endpoints(out, u.getMembers());
        endpoints(out, u.getVotingMembers());
      }
      case Sessions s -> {
        out.appendByte(OP_SESSIONS);
        out.appendIntLE(s.entries().size());
        s.entries()
            .forEach(
                (client, session) -> {
                  str(out, client);
                  out.appendLongLE(session.request());
                  applied(out, session.result());
                });
      }
      case Operation o -> {
        out.appendByte(OP_SNAPSHOT_OPERATION);
        operation(out, o);
      }
      case CheckpointRef c -> {
        out.appendByte(OP_CHECKPOINT);
        str(out, c.node());
        out.appendLongLE(c.index());
      }
      case MetaCommand c -> {
        switch (c.op()) {
          case MetaCommand.RegisterNode r -> {
            out.appendByte(OP_META_REGISTER);
            str(out, c.client());
            out.appendLongLE(c.request());
            str(out, r.nodeId());
            str(out, r.httpAddress());
          }
          case MetaCommand.CreateCollection cc -> {
            out.appendByte(OP_META_CREATE_COLLECTION);
            str(out, c.client());
            out.appendLongLE(c.request());
            str(out, cc.name());
            str(out, cc.createBody().encode());
            out.appendIntLE(cc.virtualNodes());
          }
          case MetaCommand.DeleteCollection dc -> {
            out.appendByte(OP_META_DELETE_COLLECTION);
            str(out, c.client());
            out.appendLongLE(c.request());
            str(out, dc.name());
          }
          case MetaCommand.ChangeAliases ca -> {
            out.appendByte(OP_META_CHANGE_ALIASES);
            str(out, c.client());
            out.appendLongLE(c.request());
            out.appendIntLE(ca.actions().size());
            for (io.vecdb.collection.Operation.AliasAction a : ca.actions()) {
              out.appendByte((byte) a.kind().ordinal());
              str(out, a.alias());
              str(out, a.collection());
              str(out, a.newAlias());
            }
          }
        }
      }
      case ShardMap map -> {
        out.appendByte(OP_META_SHARD_MAP_ALIASES);
        out.appendLongLE(map.epoch());
        out.appendIntLE(map.collections().size());
        for (ShardMap.Placement p : map.collections().values()) {
          str(out, p.name());
          str(out, p.createBody().encode());
          out.appendLongLE(p.incarnation());
          out.appendIntLE(p.replicas().size());
          for (List<String> shard : p.replicas()) {
            out.appendIntLE(shard.size());
            shard.forEach(id -> str(out, id));
          }
        }
        out.appendIntLE(map.aliases().size());
        map.aliases()
            .forEach(
                (alias, target) -> {
                  str(out, alias);
                  str(out, target);
                });
      }
      case NodeRegistry registry -> {
        out.appendByte(OP_META_REGISTRY);
        out.appendIntLE(registry.nodes().size());
        registry
            .nodes()
            .forEach(
                (id, node) -> {
                  str(out, id);
                  str(out, node.httpAddress());
                  out.appendLongLE(node.index());
                });
      }
      default ->
          throw new IllegalArgumentException(
              "no binary form for Raft operation " + op.getClass().getName());
    }
  }

  static Object readOperation(Reader r) {
    byte tag = r.b();
    return switch (tag) {
      case OP_COMMAND -> new ShardCommand(r.str(), r.l(), r.operation());
      case OP_NEW_TERM -> NewTermEntry.INSTANCE;
      case OP_MEMBERS -> {
        RaftEndpoint endpoint = r.endpoint();
        int mode = r.b();
        if (mode < 0 || mode >= MembershipChangeMode.values().length) {
          throw new IllegalArgumentException("membership change mode " + mode + " is unknown");
        }
        yield MODEL
            .createUpdateRaftGroupMembersOpBuilder()
            .setEndpoint(endpoint)
            .setMode(MembershipChangeMode.values()[mode])
            .setMembers(r.endpoints())
            .setVotingMembers(r.endpoints())
            .build();
      }
      case OP_SESSIONS -> {
        Sessions s = new Sessions();
        int n = r.count();
        for (int i = 0; i < n; i++) {
          String client = r.str();
          long request = r.l();
          s.restore(client, new Sessions.Session(request, r.applied()));
        }
        yield s;
      }
      case OP_SNAPSHOT_OPERATION -> r.operation();
      case OP_CHECKPOINT -> new CheckpointRef(r.str(), r.l());
      case OP_META_REGISTER -> {
        String client = r.str();
        long request = r.l();
        yield new MetaCommand(client, request, new MetaCommand.RegisterNode(r.str(), r.str()));
      }
      case OP_META_CREATE_COLLECTION -> {
        String client = r.str();
        long request = r.l();
        String name = r.str();
        JsonObject body = new JsonObject(r.str());
        yield new MetaCommand(client, request, new MetaCommand.CreateCollection(name, body, r.i()));
      }
      case OP_META_DELETE_COLLECTION -> {
        String client = r.str();
        long request = r.l();
        yield new MetaCommand(client, request, new MetaCommand.DeleteCollection(r.str()));
      }
      case OP_META_CHANGE_ALIASES -> {
        String client = r.str();
        long request = r.l();
        int n = r.count();
        List<io.vecdb.collection.Operation.AliasAction> actions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int kind = r.b();
          var kinds = io.vecdb.collection.Operation.AliasAction.Kind.values();
          if (kind < 0 || kind >= kinds.length) {
            throw new IllegalArgumentException("alias action " + kind + " is unknown");
          }
          actions.add(
              new io.vecdb.collection.Operation.AliasAction(
                  kinds[kind], r.str(), r.str(), 0, r.str()));
        }
        yield new MetaCommand(client, request, new MetaCommand.ChangeAliases(actions));
      }
      case OP_META_SHARD_MAP, OP_META_SHARD_MAP_ALIASES -> {
        boolean withAliases = tag == OP_META_SHARD_MAP_ALIASES;
        long epoch = r.l();
        int n = r.count();
        java.util.TreeMap<String, ShardMap.Placement> collections = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
          String name = r.str();
          JsonObject body = new JsonObject(r.str());
          long incarnation = r.l();
          int shards = r.count();
          List<List<String>> replicas = new ArrayList<>(shards);
          for (int s = 0; s < shards; s++) {
            int k = r.count();
            List<String> ids = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
              ids.add(r.str());
            }
            replicas.add(ids);
          }
          collections.put(name, new ShardMap.Placement(name, body, incarnation, replicas));
        }
        java.util.TreeMap<String, String> aliases = new java.util.TreeMap<>();
        if (withAliases) {
          int a = r.count();
          for (int i = 0; i < a; i++) {
            aliases.put(r.str(), r.str());
          }
        }
        yield new ShardMap(epoch, collections, aliases);
      }
      case OP_META_REGISTRY -> {
        int n = r.count();
        java.util.TreeMap<String, NodeRegistry.Node> nodes = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
          String id = r.str();
          nodes.put(id, new NodeRegistry.Node(r.str(), r.l()));
        }
        yield new NodeRegistry(nodes);
      }
      default -> throw new IllegalArgumentException("unknown Raft operation tag " + tag);
    };
  }

  private static void operation(Buffer out, Operation op) {
    Buffer bytes = OperationCodec.encode(op);
    out.appendIntLE(bytes.length());
    out.appendBuffer(bytes);
  }

  static void applied(Buffer out, Applied a) {
    out.appendLongLE(a.index());
    str(out, a.error() == null ? null : a.error().name());
    str(out, a.message());
    ids(out, a.changes().upserted());
    ids(out, a.changes().deleted());
  }

  private static void ids(Buffer out, List<PointId> ids) {
    out.appendIntLE(ids.size());
    for (PointId id : ids) {
      switch (id) {
        case PointId.Num n -> out.appendByte((byte) 0).appendLongLE(n.value());
        case PointId.Uuid u ->
            out.appendByte((byte) 1)
                .appendLongLE(u.value().getMostSignificantBits())
                .appendLongLE(u.value().getLeastSignificantBits());
      }
    }
  }

  // ---- persistent state ----

  public static void writeMembers(Buffer out, RaftGroupMembersView v) {
    out.appendLongLE(v.getLogIndex());
    endpoints(out, v.getMembers());
    endpoints(out, v.getVotingMembers());
  }

  public static RaftGroupMembersView readMembers(Reader r) {
    return MODEL
        .createRaftGroupMembersViewBuilder()
        .setLogIndex(r.l())
        .setMembers(r.endpoints())
        .setVotingMembers(r.endpoints())
        .build();
  }

  public static void writeTerm(Buffer out, RaftTermPersistentState t) {
    out.appendIntLE(t.getTerm());
    endpoint(out, t.getVotedFor());
  }

  public static RaftTermPersistentState readTerm(Reader r) {
    return MODEL
        .createRaftTermPersistentStateBuilder()
        .setTerm(r.i())
        .setVotedFor(r.endpoint())
        .build();
  }

  public static void writeLocal(Buffer out, RaftEndpointPersistentState s) {
    endpoint(out, s.getLocalEndpoint());
    out.appendByte(bool(s.isVoting()));
  }

  public static RaftEndpointPersistentState readLocal(Reader r) {
    return MODEL
        .createRaftEndpointPersistentStateBuilder()
        .setLocalEndpoint(r.endpoint())
        .setVoting(r.bool())
        .build();
  }

  // ---- primitives ----

  private static byte bool(boolean b) {
    return b ? (byte) 1 : (byte) 0;
  }

  public static void str(Buffer out, String s) {
    if (s == null) {
      out.appendIntLE(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.appendIntLE(b.length).appendBytes(b);
  }

  private static void endpoint(Buffer out, RaftEndpoint e) {
    str(out, e == null ? null : ((NodeEndpoint) e).nodeId());
  }

  private static void endpoints(Buffer out, Collection<RaftEndpoint> es) {
    out.appendIntLE(es.size());
    for (RaftEndpoint e : es) {
      endpoint(out, e);
    }
  }

  /** Reads the primitives back, checking bounds; a short or malformed buffer throws. */
  public static final class Reader {
    private final Buffer in;
    private int pos;

    public Reader(Buffer in) {
      this(in, 0);
    }

    public Reader(Buffer in, int pos) {
      this.in = in;
      this.pos = pos;
    }

    public int position() {
      return pos;
    }

    private void need(int n) {
      if (n < 0 || pos + n > in.length()) {
        throw new IllegalArgumentException(
            "Raft record: " + n + " more bytes expected at offset " + pos + " of " + in.length());
      }
    }

    public byte b() {
      need(1);
      return in.getByte(pos++);
    }

    boolean bool() {
      byte v = b();
      if (v != 0 && v != 1) {
        throw new IllegalArgumentException("Raft record: boolean byte " + v + " at " + (pos - 1));
      }
      return v == 1;
    }

    public int i() {
      need(4);
      int v = in.getIntLE(pos);
      pos += 4;
      return v;
    }

    public long l() {
      need(8);
      long v = in.getLongLE(pos);
      pos += 8;
      return v;
    }

    int count() {
      int n = i();
      if (n < 0 || n > in.length() - pos) {
        throw new IllegalArgumentException("Raft record: count " + n + " at " + (pos - 4));
      }
      return n;
    }

    public String str() {
      int n = i();
      if (n == -1) {
        return null;
      }
      need(n);
      String s = in.getString(pos, pos + n, StandardCharsets.UTF_8.name());
      pos += n;
      return s;
    }

    RaftEndpoint endpoint() {
      String id = str();
      return id == null ? null : new NodeEndpoint(id);
    }

    List<RaftEndpoint> endpoints() {
      int n = count();
      List<RaftEndpoint> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        RaftEndpoint e = endpoint();
        if (e == null) {
          throw new IllegalArgumentException("Raft record: null endpoint in a member list");
        }
        out.add(e);
      }
      return out;
    }

    Operation operation() {
      int n = count();
      need(n);
      Operation op = OperationCodec.decode(in.getBuffer(pos, pos + n));
      pos += n;
      return op;
    }

    public Applied applied() {
      long index = l();
      String error = str();
      String message = str();
      List<PointId> upserted = ids();
      List<PointId> deleted = ids();
      return new Applied(
          index,
          new ChangeSet(upserted, deleted),
          error == null ? null : ErrorCode.valueOf(error),
          message,
          false);
    }

    private List<PointId> ids() {
      int n = count();
      List<PointId> out = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        byte kind = b();
        out.add(
            switch (kind) {
              case 0 -> PointId.of(l());
              case 1 -> PointId.of(new UUID(l(), l()));
              default -> throw new IllegalArgumentException("Raft record: id kind " + kind);
            });
      }
      return out;
    }

    /** Throws unless every byte was read (a message is exactly one encoding). */
    public void end() {
      if (pos != in.length()) {
        throw new IllegalArgumentException(
            "Raft record: " + (in.length() - pos) + " trailing bytes at offset " + pos);
      }
    }
  }
}
