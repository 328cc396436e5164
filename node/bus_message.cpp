#include "node/bus_message.h"

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace slotsim::node::bus {
namespace {

// ---- Layout. Each offset is derived from the previous field's size and then
// checked against the numbers in cluster.h, so a wrong size cannot hide.

constexpr std::size_t kSlotBytes = 16384 / 8;

namespace header {
constexpr std::size_t sig = 0;
constexpr std::size_t totlen = sig + 4;
constexpr std::size_t ver = totlen + 4;
constexpr std::size_t port = ver + 2;
constexpr std::size_t type = port + 2;
constexpr std::size_t count = type + 2;
constexpr std::size_t current_epoch = count + 2;
constexpr std::size_t config_epoch = current_epoch + 8;
constexpr std::size_t offset = config_epoch + 8;
constexpr std::size_t sender = offset + 8;
constexpr std::size_t myslots = sender + kNodeIdLength;
constexpr std::size_t slaveof = myslots + kSlotBytes;
constexpr std::size_t myip = slaveof + kNodeIdLength;
constexpr std::size_t extensions = myip + kIpLength;
constexpr std::size_t notused1 = extensions + 2;
constexpr std::size_t pport = notused1 + 30;
constexpr std::size_t cport = pport + 2;
constexpr std::size_t flags = cport + 2;
constexpr std::size_t state = flags + 2;
constexpr std::size_t mflags = state + 1;
constexpr std::size_t end = mflags + 3;
}  // namespace header

static_assert(header::totlen == 4 && header::ver == 8 && header::port == 10 && header::type == 12);
static_assert(header::count == 14 && header::current_epoch == 16 && header::config_epoch == 24);
static_assert(header::offset == 32 && header::sender == 40 && header::myslots == 80);
static_assert(header::slaveof == 2128 && header::myip == 2168 && header::extensions == 2214);
static_assert(header::notused1 == 2216 && header::pport == 2246 && header::cport == 2248);
static_assert(header::flags == 2250 && header::state == 2252 && header::mflags == 2253);
static_assert(header::end == kHeaderSize);

namespace gossip {
constexpr std::size_t nodename = 0;
constexpr std::size_t ping_sent = nodename + kNodeIdLength;
constexpr std::size_t pong_received = ping_sent + 4;
constexpr std::size_t ip = pong_received + 4;
constexpr std::size_t port = ip + kIpLength;
constexpr std::size_t cport = port + 2;
constexpr std::size_t flags = cport + 2;
constexpr std::size_t pport = flags + 2;
constexpr std::size_t notused1 = pport + 2;
constexpr std::size_t end = notused1 + 2;
}  // namespace gossip

static_assert(gossip::ping_sent == 40 && gossip::pong_received == 44 && gossip::ip == 48);
static_assert(gossip::port == 94 && gossip::cport == 96 && gossip::flags == 98 && gossip::pport == 100);
static_assert(gossip::end == kGossipEntrySize);

// Payloads, as offsets from the start of the frame.
constexpr std::size_t kFailNodename = kHeaderSize;
constexpr std::size_t kFailLength = kFailNodename + kNodeIdLength;
constexpr std::size_t kUpdateConfigEpoch = kHeaderSize;
constexpr std::size_t kUpdateNodename = kUpdateConfigEpoch + 8;
constexpr std::size_t kUpdateSlots = kUpdateNodename + kNodeIdLength;
constexpr std::size_t kUpdateLength = kUpdateSlots + kSlotBytes;
static_assert(kFailLength == 2296 && kUpdateLength == 4352);
// PUBLISH: channel_len u32, message_len u32, then both strings.
constexpr std::size_t kPublishFixed = 8;
// MODULE: module_id u64, len u32, type u8, then len bytes.
constexpr std::size_t kModuleFixed = 13;
constexpr std::size_t kModuleLen = kHeaderSize + 8;

constexpr std::size_t kExtensionHeaderSize = 8;  // u32 length, u16 type, u16 unused
constexpr std::size_t kMaxGossipEntries = 0xFFFF;
// The signature and totlen: what the read handler waits for before judging.
constexpr std::size_t kFramePrefix = 8;
constexpr std::string_view kSignature = "RCmb";

bool carries_gossip(MessageType type) {
  return type == MessageType::ping || type == MessageType::pong || type == MessageType::meet;
}

// ---- Writing: big-endian fields in order, into a frame sized and zeroed up
// front (so padding and reserved bytes are skipped, not written).

class Writer {
 public:
  explicit Writer(std::size_t total) : out_(total, '\0') {}

  void u8(std::uint8_t v) { put_be(v, 1); }
  void u16(std::uint16_t v) { put_be(v, 2); }
  void u32(std::uint32_t v) { put_be(v, 4); }
  void u64(std::uint64_t v) { put_be(v, 8); }
  void bytes(std::string_view text) {
    std::memcpy(out_.data() + at_, text.data(), text.size());
    at_ += text.size();
  }
  void zeros(std::size_t n) { at_ += n; }
  // `text` then zero bytes up to `width`; callers have checked the size.
  void padded(std::string_view text, std::size_t width) {
    std::memcpy(out_.data() + at_, text.data(), text.size());
    at_ += width;
  }
  void slots(const SlotBitmap& bitmap) {
    bitmap.write_bytes(out_.data() + at_);
    at_ += SlotBitmap::kBytes;
  }
  std::size_t size() const { return at_; }
  std::string take() { return std::move(out_); }

 private:
  void put_be(std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v >>= 8) out_[at_ + static_cast<std::size_t>(i)] = static_cast<char>(v & 0xFF);
    at_ += static_cast<std::size_t>(width);
  }
  std::string out_;
  std::size_t at_ = 0;
};

void check_node_id(std::string_view id, std::string_view what) {
  if (id.size() > kNodeIdLength) {
    throw std::invalid_argument(fmt::format("{} is {} bytes, more than the {}-byte node id field", what, id.size(),
                                            kNodeIdLength));
  }
}

void check_ip(std::string_view ip, std::string_view what) {
  // The receiver reads a C string and forces byte 45 to NUL: 45 bytes is the most that arrives.
  if (ip.size() >= kIpLength) {
    throw std::invalid_argument(fmt::format("{} is {} bytes, more than {}", what, ip.size(), kIpLength - 1));
  }
  if (ip.find('\0') != std::string_view::npos) throw std::invalid_argument(fmt::format("{} holds a NUL byte", what));
}

std::size_t round_up_8(std::size_t n) { return (n + 7) / 8 * 8; }

std::size_t hostname_extension_size(std::string_view hostname) {
  return kExtensionHeaderSize + round_up_8(hostname.size() + 1);
}

// ---- Reading: the caller has checked that [at, at + width) lies in `frame`.

std::uint64_t load_be(std::string_view frame, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(frame[at + i]);
  return v;
}
std::uint8_t load_u8(std::string_view frame, std::size_t at) { return static_cast<std::uint8_t>(load_be(frame, at, 1)); }
std::uint16_t load_u16(std::string_view frame, std::size_t at) { return static_cast<std::uint16_t>(load_be(frame, at, 2)); }
std::uint32_t load_u32(std::string_view frame, std::size_t at) { return static_cast<std::uint32_t>(load_be(frame, at, 4)); }
std::uint64_t load_u64(std::string_view frame, std::size_t at) { return load_be(frame, at, 8); }

std::string load_node_id(std::string_view frame, std::size_t at) {
  std::string_view id = frame.substr(at, kNodeIdLength);
  while (!id.empty() && id.back() == '\0') id.remove_suffix(1);
  return std::string(id);
}

std::string load_ip(std::string_view frame, std::size_t at) {
  const std::string_view field = frame.substr(at, kIpLength - 1);
  return std::string(field.substr(0, field.find('\0')));
}

SlotBitmap load_slots(std::string_view frame, std::size_t at) {
  return SlotBitmap::from_bytes(frame.substr(at, kSlotBytes));
}

Decoded make_result(Decoded::Status status, std::string error) {
  Decoded out;
  out.status = status;
  out.error = std::move(error);
  return out;
}

void decode_header(std::string_view frame, Message& m) {
  m.type = static_cast<MessageType>(load_u16(frame, header::type));
  m.port = load_u16(frame, header::port);
  m.current_epoch = load_u64(frame, header::current_epoch);
  m.config_epoch = load_u64(frame, header::config_epoch);
  m.offset = load_u64(frame, header::offset);
  m.sender = load_node_id(frame, header::sender);
  m.slots = load_slots(frame, header::myslots);
  m.primary_id = load_node_id(frame, header::slaveof);
  m.ip = load_ip(frame, header::myip);
  m.pport = load_u16(frame, header::pport);
  m.cport = load_u16(frame, header::cport);
  m.flags = load_u16(frame, header::flags);
  m.state = load_u8(frame, header::state);
  m.mflags = load_u8(frame, header::mflags);
}

// PING/PONG/MEET body: gossip entries, then extensions when EXT_DATA is set.
// Returns an error text for a packet Redis would drop, empty when fine.
std::string decode_gossip_body(std::string_view frame, Message& m) {
  const std::string_view name = message_type_name(m.type);
  const std::size_t count = load_u16(frame, header::count);
  const std::size_t gossip_end = kHeaderSize + count * kGossipEntrySize;  // count <= 65535: no overflow
  if (gossip_end > frame.size()) {
    return fmt::format("{} with {} gossip entries needs at least {} bytes but totlen is {}", name, count, gossip_end,
                       frame.size());
  }

  // Validate every extension's framing first, as clusterIsValidPacket does.
  struct Extension {
    std::uint16_t type;
    std::size_t data_at;
    std::size_t data_length;
  };
  std::vector<Extension> extensions;
  std::size_t at = gossip_end;
  if (m.mflags & message_flag::ext_data) {
    const std::size_t declared = load_u16(frame, header::extensions);
    for (std::size_t i = 0; i < declared; ++i) {
      if (frame.size() - at < kExtensionHeaderSize) {
        return fmt::format("{} extension {} of {} starts at {}, leaving no room for its header in totlen {}", name,
                           i, declared, at, frame.size());
      }
      const std::size_t length = load_u32(frame, at);
      if (length > 0xFFFF) {
        // Redis keeps only the low 16 bits of this length and would misparse the rest.
        return fmt::format("{} extension {} has length {}, more than Redis reads", name, i, length);
      }
      if (length % 8 != 0) {
        return fmt::format("{} extension {} has length {}, not padded to a multiple of 8", name, i, length);
      }
      if (length < kExtensionHeaderSize) {
        // Redis accepts 0 here and then reads the same header again; no sender writes it.
        return fmt::format("{} extension {} has length {}, shorter than its 8-byte header", name, i, length);
      }
      if (frame.size() - at < length) {
        return fmt::format("{} extension {} of {} bytes at {} exceeds totlen {}", name, i, length, at, frame.size());
      }
      extensions.push_back({load_u16(frame, at + 4), at + kExtensionHeaderSize, length - kExtensionHeaderSize});
      at += length;
    }
  }
  if (at != frame.size()) {
    return fmt::format("{} of totlen {} but expected length {} ({} gossip entries{})", name, frame.size(), at, count,
                       extensions.empty() ? "" : " and extensions");
  }

  m.gossip.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t base = kHeaderSize + i * kGossipEntrySize;
    GossipEntry g;
    g.node_id = load_node_id(frame, base + gossip::nodename);
    g.ping_sent_s = load_u32(frame, base + gossip::ping_sent);
    g.pong_received_s = load_u32(frame, base + gossip::pong_received);
    g.ip = load_ip(frame, base + gossip::ip);
    g.port = load_u16(frame, base + gossip::port);
    g.cport = load_u16(frame, base + gossip::cport);
    g.flags = load_u16(frame, base + gossip::flags);
    g.pport = load_u16(frame, base + gossip::pport);
    m.gossip.push_back(std::move(g));
  }
  // Unknown extension types are skipped; with several hostnames the last wins (as in Redis).
  for (const Extension& ext : extensions) {
    if (ext.type != kHostnameExtensionType) continue;
    const std::string_view data = frame.substr(ext.data_at, ext.data_length);
    m.hostname = std::string(data.substr(0, data.find('\0')));
  }
  return {};
}

}  // namespace

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::ping: return "PING";
    case MessageType::pong: return "PONG";
    case MessageType::meet: return "MEET";
    case MessageType::fail: return "FAIL";
    case MessageType::publish: return "PUBLISH";
    case MessageType::failover_auth_request: return "FAILOVER_AUTH_REQUEST";
    case MessageType::failover_auth_ack: return "FAILOVER_AUTH_ACK";
    case MessageType::update: return "UPDATE";
    case MessageType::mfstart: return "MFSTART";
    case MessageType::module: return "MODULE";
    case MessageType::publishshard: return "PUBLISHSHARD";
  }
  return "UNKNOWN";
}

std::string encode(const Message& m) {
  check_node_id(m.sender, "sender");
  check_node_id(m.primary_id, "primary_id");
  check_ip(m.ip, "ip");
  const bool gossip_type = carries_gossip(m.type);
  const bool has_about = m.type == MessageType::fail || m.type == MessageType::update;
  if (has_about) check_node_id(m.about_node_id, "about_node_id");

  std::size_t total = kHeaderSize;
  std::uint16_t count = 0;
  std::uint16_t extensions = 0;
  std::uint8_t mflags = m.mflags;
  if (gossip_type) {
    if (m.gossip.size() > kMaxGossipEntries) {
      throw std::invalid_argument(fmt::format("{} gossip entries do not fit the u16 count", m.gossip.size()));
    }
    for (const GossipEntry& g : m.gossip) {
      check_node_id(g.node_id, "gossip node id");
      check_ip(g.ip, "gossip ip");
    }
    count = static_cast<std::uint16_t>(m.gossip.size());
    total += count * kGossipEntrySize;
    if (!m.hostname.empty()) {
      if (m.hostname.size() > kMaxHostnameLength) {
        throw std::invalid_argument(fmt::format("hostname is {} bytes, more than {}", m.hostname.size(),
                                                kMaxHostnameLength));
      }
      if (m.hostname.find('\0') != std::string::npos) throw std::invalid_argument("hostname holds a NUL byte");
      total += hostname_extension_size(m.hostname);
      extensions = 1;
      mflags |= message_flag::ext_data;
    }
  } else if (m.type == MessageType::fail) {
    total = kFailLength;
  } else if (m.type == MessageType::update) {
    total = kUpdateLength;
  } else if (m.type == MessageType::publish || m.type == MessageType::publishshard) {
    total += kPublishFixed;
  } else if (m.type == MessageType::module) {
    total += kModuleFixed;
  }

  Writer w(total);
  w.bytes(kSignature);
  w.u32(static_cast<std::uint32_t>(total));
  w.u16(kProtocolVersion);
  w.u16(m.port);
  w.u16(static_cast<std::uint16_t>(m.type));
  w.u16(count);
  w.u64(m.current_epoch);
  w.u64(m.config_epoch);
  w.u64(m.offset);
  w.padded(m.sender, kNodeIdLength);
  w.slots(m.slots);
  w.padded(m.primary_id, kNodeIdLength);
  w.padded(m.ip, kIpLength);
  w.u16(extensions);
  w.zeros(30);
  w.u16(m.pport);
  w.u16(m.cport);
  w.u16(m.flags);
  w.u8(m.state);
  w.u8(mflags);
  w.zeros(2);

  if (gossip_type) {
    for (const GossipEntry& g : m.gossip) {
      w.padded(g.node_id, kNodeIdLength);
      w.u32(g.ping_sent_s);
      w.u32(g.pong_received_s);
      w.padded(g.ip, kIpLength);
      w.u16(g.port);
      w.u16(g.cport);
      w.u16(g.flags);
      w.u16(g.pport);
      w.zeros(2);
    }
    if (extensions != 0) {
      const std::size_t size = hostname_extension_size(m.hostname);
      w.u32(static_cast<std::uint32_t>(size));
      w.u16(kHostnameExtensionType);
      w.zeros(2);
      w.padded(m.hostname, size - kExtensionHeaderSize);
    }
  } else if (m.type == MessageType::fail) {
    w.padded(m.about_node_id, kNodeIdLength);
  } else if (m.type == MessageType::update) {
    w.u64(m.update_config_epoch);
    w.padded(m.about_node_id, kNodeIdLength);
    w.slots(m.update_slots);
  } else {
    w.zeros(total - kHeaderSize);  // empty PUBLISH / MODULE payload: all lengths zero
  }
  // The frame was sized from the same fields: a mismatch is a bug here.
  if (w.size() != total) throw std::logic_error(fmt::format("encoded {} bytes of a {}-byte frame", w.size(), total));
  return w.take();
}

FrameCheck check_frame(std::string_view buffered) {
  FrameCheck out;
  if (buffered.size() < kFramePrefix) return out;
  if (buffered.substr(0, kSignature.size()) != kSignature) {
    out.status = FrameCheck::Status::bad;
    out.error = "bad cluster bus signature";
    return out;
  }
  const std::size_t totlen = load_u32(buffered, header::totlen);
  if (totlen < kHeaderSize) {
    out.status = FrameCheck::Status::bad;
    out.error = fmt::format("totlen {} is shorter than the {}-byte header", totlen, kHeaderSize);
    return out;
  }
  if (totlen > kMaxFrameLength) {
    out.status = FrameCheck::Status::bad;
    out.error = fmt::format("totlen {} is over the {}-byte frame limit", totlen, kMaxFrameLength);
    return out;
  }
  out.length = totlen;
  out.status = buffered.size() >= totlen ? FrameCheck::Status::complete : FrameCheck::Status::need_more;
  return out;
}

Decoded decode(std::string_view frame) {
  const FrameCheck framing = check_frame(frame);
  if (framing.status == FrameCheck::Status::bad) return make_result(Decoded::Status::bad, framing.error);
  if (frame.size() < kFramePrefix) {
    return make_result(Decoded::Status::bad, fmt::format("frame of {} bytes has no totlen", frame.size()));
  }
  if (framing.length != frame.size()) {
    return make_result(Decoded::Status::bad,
                       fmt::format("frame is {} bytes but its totlen is {}", frame.size(), framing.length));
  }

  const std::uint16_t version = load_u16(frame, header::ver);
  if (version != kProtocolVersion) {
    return make_result(Decoded::Status::ignored, fmt::format("protocol version {} is not {}", version,
                                                             kProtocolVersion));
  }

  Decoded out = make_result(Decoded::Status::ok, {});
  Message& m = out.message;
  decode_header(frame, m);
  const std::string_view name = message_type_name(m.type);
  auto expect_length = [&](std::uint64_t expected) {
    if (frame.size() == expected) return true;
    out.status = Decoded::Status::ignored;
    out.error = fmt::format("{} of totlen {} but expected length {}", name, frame.size(), expected);
    return false;
  };

  switch (m.type) {
    case MessageType::ping:
    case MessageType::pong:
    case MessageType::meet:
      out.error = decode_gossip_body(frame, m);
      if (!out.error.empty()) out.status = Decoded::Status::ignored;
      break;
    case MessageType::fail:
      if (expect_length(kFailLength)) m.about_node_id = load_node_id(frame, kFailNodename);
      break;
    case MessageType::update:
      if (expect_length(kUpdateLength)) {
        m.update_config_epoch = load_u64(frame, kUpdateConfigEpoch);
        m.about_node_id = load_node_id(frame, kUpdateNodename);
        m.update_slots = load_slots(frame, kUpdateSlots);
      }
      break;
    case MessageType::failover_auth_request:
    case MessageType::failover_auth_ack:
    case MessageType::mfstart:
      expect_length(kHeaderSize);
      break;
    case MessageType::publish:
    case MessageType::publishshard:
      // The two lengths come from the frame's own bytes only when they are there.
      if (frame.size() < kHeaderSize + kPublishFixed) {
        expect_length(kHeaderSize + kPublishFixed);
      } else {
        expect_length(std::uint64_t{kHeaderSize} + kPublishFixed + load_u32(frame, kHeaderSize) +
                      load_u32(frame, kHeaderSize + 4));
      }
      break;
    case MessageType::module:
      if (frame.size() < kHeaderSize + kModuleFixed) {
        expect_length(kHeaderSize + kModuleFixed);
      } else {
        expect_length(std::uint64_t{kHeaderSize} + kModuleFixed + load_u32(frame, kModuleLen));
      }
      break;
    default:
      out.status = Decoded::Status::ignored;
      out.error = fmt::format("unknown message type {}", static_cast<unsigned>(m.type));
      break;
  }
  return out;
}

}  // namespace slotsim::node::bus
