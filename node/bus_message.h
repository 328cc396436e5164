// Cluster-bus wire codec: Redis 7.0's clusterMsg (cluster.h) as bytes, with no
// I/O. A link's reader calls check_frame on its buffered bytes until a frame is
// complete, then decode on exactly that frame; a sender calls encode.
//
// Layout facts (docs/research/cluster_bus_notes.md §1): every integer is big
// endian; the fixed header is 2256 bytes; slot i is bit (i & 7) of byte i/8;
// PING/PONG/MEET carry `count` 104-byte gossip entries and then, when mflags[0]
// has EXT_DATA, `extensions` extensions of the form {u32 length including the
// 8-byte extension header, u16 type, u16 unused, data padded to 8 bytes}.
//
// The three outcomes mirror what Redis does with a packet:
//  - check_frame bad: the read handler closes the link (wrong signature,
//    totlen below the header size, or above our cap);
//  - decode ignored: clusterProcessPacket drops the packet and keeps the link
//    (version != 1, a length that does not match the type, malformed
//    extensions, an unknown type);
//  - decode bad: the frame is not what check_frame accepted (the caller's bug,
//    or hostile bytes handed in directly); drop the link.
// decode never reads outside `frame`, whatever the counts and lengths in it say,
// and allocates at most a small multiple of frame.size().
//
// Strings. Node ids are 40 raw bytes on the wire: encode pads with zero bytes,
// decode strips trailing zero bytes (so an all-zero id, Redis's "no node", is
// the empty string). IP fields are C strings in a 46-byte field: decode keeps
// the bytes before the first NUL, at most 45 (Redis forces the last byte to NUL
// and may leave stale bytes after the terminator). The hostname is the
// extension's data up to its first NUL. encode throws std::invalid_argument for
// a string that would not survive the trip: a node id over 40 bytes, an IP over
// 45 bytes or holding a NUL, a hostname holding a NUL or too long for the
// extension length Redis reads as 16 bits.
//
// encode writes only what the message type carries: gossip and hostname for
// PING/PONG/MEET, about_node_id for FAIL, the update_* fields and about_node_id
// for UPDATE; other fields of those kinds are left out, and decode returns them
// empty. PUBLISH, PUBLISHSHARD and MODULE are encoded with an empty payload and
// their payload is validated but not returned (the simulator has no pub/sub or
// modules). So decode(encode(m)).message == m for every m whose unused fields
// are empty and whose mflags has ext_data when it has a hostname.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/slot_bitmap.h"

namespace slotsim::node::bus {

enum class MessageType : std::uint16_t {
  ping = 0,
  pong = 1,
  meet = 2,
  fail = 3,
  publish = 4,
  failover_auth_request = 5,
  failover_auth_ack = 6,
  update = 7,
  mfstart = 8,
  module = 9,
  publishshard = 10,
};

// "PING", "FAILOVER_AUTH_REQUEST", ...; "UNKNOWN" for any other value.
std::string_view message_type_name(MessageType type);

// A node's flags as Redis keeps them (CLUSTER_NODE_*); the header carries the
// sender's own, each gossip entry the sender's view of that node.
namespace node_flag {
constexpr std::uint16_t master = 1, replica = 2, pfail = 4, fail = 8, myself = 16, handshake = 32, noaddr = 64,
                        meet = 128, migrate_to = 256, nofailover = 512;
}

// mflags[0] bits (CLUSTERMSG_FLAG0_*).
namespace message_flag {
constexpr std::uint8_t paused = 1, forceack = 2, ext_data = 4;
}

constexpr std::size_t kHeaderSize = 2256;  // CLUSTERMSG_MIN_LEN
constexpr std::size_t kGossipEntrySize = 104;
constexpr std::size_t kNodeIdLength = 40;  // CLUSTER_NAMELEN
constexpr std::size_t kIpLength = 46;      // NET_IP_STR_LEN, including the NUL
constexpr std::uint16_t kProtocolVersion = 1;
constexpr std::uint16_t kHostnameExtensionType = 0;
// Redis 7.0 reads an extension's u32 length into a uint16_t, so a longer
// extension means something else to it: encode refuses to write one.
constexpr std::size_t kMaxExtensionLength = 0xFFF8;
constexpr std::size_t kMaxHostnameLength = kMaxExtensionLength - 8 - 1;  // data holds the NUL
// Redis takes any totlen up to 4 GiB and allocates it. We cap a frame so a
// hostile or corrupt length cannot make a link buffer gigabytes. The largest
// frame a 7.0 node builds is a PING/PONG with gossip about every node: at most
// 65535 entries (u16 count) = 6.8 MB, plus one hostname extension (64 KiB at
// the very most). PUBLISH could be larger, but the simulator sends none.
constexpr std::size_t kMaxFrameLength = 16u << 20;

using SlotBitmap = node::SlotBitmap;

struct GossipEntry {
  std::string node_id;
  std::uint32_t ping_sent_s = 0;      // seconds (Redis sends ms / 1000)
  std::uint32_t pong_received_s = 0;  // seconds
  std::string ip;
  std::uint16_t port = 0, cport = 0, flags = 0, pport = 0;
  friend bool operator==(const GossipEntry&, const GossipEntry&) = default;
};

struct Message {
  MessageType type = MessageType::ping;
  std::uint16_t port = 0;          // sender's client port
  std::uint64_t current_epoch = 0;
  std::uint64_t config_epoch = 0;  // sender's, or its primary's when the sender is a replica
  std::uint64_t offset = 0;        // replication offset
  std::string sender;              // 40-char node id
  SlotBitmap slots;                // sender's slots (its primary's when a replica)
  std::string primary_id;          // empty when the sender is a primary (wire: 40 zero bytes)
  std::string ip;                  // empty: wire all zero (receiver uses the socket's address)
  std::uint16_t pport = 0, cport = 0, flags = 0;
  std::uint8_t state = 0;          // 0 ok, 1 fail
  std::uint8_t mflags = 0;         // message_flag bits; ext_data is set by encode when hostname is non-empty
  std::vector<GossipEntry> gossip; // PING, PONG, MEET
  std::string hostname;            // optional hostname extension (PING, PONG, MEET)
  std::string about_node_id;       // FAIL: the failing node; UPDATE: the node whose config this is
  std::uint64_t update_config_epoch = 0;  // UPDATE
  SlotBitmap update_slots;                // UPDATE
  friend bool operator==(const Message&, const Message&) = default;
};

// The whole frame, totlen included. Throws std::invalid_argument for strings
// that do not fit (see the top of this file) or more than 65535 gossip entries.
std::string encode(const Message& message);

// Framing, as Redis's read handler: needs 8 bytes to judge. bad = wrong
// signature, or totlen < kHeaderSize, or totlen > kMaxFrameLength: the caller
// drops the link. need_more with length != 0: the frame is `length` bytes and
// not all have arrived. complete: the first `length` bytes are one frame.
struct FrameCheck {
  enum class Status { need_more, complete, bad } status = Status::need_more;
  std::size_t length = 0;
  std::string error;
};
FrameCheck check_frame(std::string_view buffered);

// Decodes one complete frame (exactly `length` bytes from check_frame).
// ok: `message` holds everything the type carries.
// ignored: well formed but not for us, as Redis drops the packet and keeps the
//   link; `error` says why. For an unknown type `message` still holds the
//   header (type is the raw value): Redis goes on to apply the header of such a
//   packet (epochs, offset, data_received). For the other causes Redis returns
//   before looking at the packet and `message` is unspecified.
// bad: not a frame check_frame accepts, or its size differs from its totlen.
struct Decoded {
  enum class Status { ok, ignored, bad } status = Status::bad;
  Message message;
  std::string error;
};
Decoded decode(std::string_view frame);

}  // namespace slotsim::node::bus
