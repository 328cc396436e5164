// Cluster-bus codec: layout against the offsets of Redis 7.0's cluster.h,
// round trips, framing, and hostile input (truncations, byte flips).
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "node/bus_message.h"
#include "sim/random.h"

using namespace slotsim::node::bus;
using slotsim::sim::Rng;
using FrameStatus = FrameCheck::Status;
using DecodeStatus = Decoded::Status;

namespace {

const std::vector<MessageType> kAllTypes = {
    MessageType::ping,    MessageType::pong,   MessageType::meet,         MessageType::fail,
    MessageType::publish, MessageType::failover_auth_request, MessageType::failover_auth_ack,
    MessageType::update,  MessageType::mfstart, MessageType::module,      MessageType::publishshard,
};

bool is_gossip_type(MessageType type) {
  return type == MessageType::ping || type == MessageType::pong || type == MessageType::meet;
}

std::uint64_t be_at(std::string_view bytes, std::size_t at, int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

void put_be(std::string& bytes, std::size_t at, std::uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    bytes[at + i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

// Keeps a hand-edited frame's totlen equal to its size, so decode judges the content.
void fix_totlen(std::string& frame) { put_be(frame, 4, frame.size(), 4); }

std::string random_node_id(Rng& rng) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string id;
  for (std::size_t i = 0; i < kNodeIdLength; ++i) id += kHex[rng.below(16)];
  return id;
}

std::string random_ip(Rng& rng) {
  switch (rng.below(4)) {
    case 0: return "";
    case 1: return "10." + std::to_string(rng.below(256)) + "." + std::to_string(rng.below(256)) + "." +
                   std::to_string(rng.below(256));
    case 2: return "fe80::" + std::to_string(rng.below(10000));
    default: return std::string(kIpLength - 1, 'f');  // longest that fits
  }
}

std::string random_hostname(Rng& rng) {
  static constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789-.";
  if (rng.chance(0.3)) return "";
  std::string name;
  const auto length = rng.between(1, 255);
  for (std::int64_t i = 0; i < length; ++i) name += kChars[rng.below(kChars.size())];
  return name;
}

SlotBitmap random_slots(Rng& rng) {
  SlotBitmap slots;
  switch (rng.below(3)) {
    case 0: break;
    case 1: slots.set(); break;
    default:
      for (int i = 0; i < 16384; ++i) {
        if (rng.chance(0.3)) slots.set(i);
      }
  }
  return slots;
}

std::uint16_t u16(Rng& rng) { return static_cast<std::uint16_t>(rng.below(1u << 16)); }
std::uint32_t u32(Rng& rng) { return static_cast<std::uint32_t>(rng.next_u64()); }

// A message of `type` with random values in exactly the fields the type carries,
// normalised as decode returns it (ext_data set whenever there is a hostname).
Message random_message(Rng& rng, MessageType type) {
  Message m;
  m.type = type;
  m.port = u16(rng);
  m.current_epoch = rng.next_u64();
  m.config_epoch = rng.next_u64();
  m.offset = rng.next_u64();
  m.sender = random_node_id(rng);
  m.slots = random_slots(rng);
  m.primary_id = rng.chance(0.5) ? random_node_id(rng) : "";
  m.ip = random_ip(rng);
  m.pport = u16(rng);
  m.cport = u16(rng);
  m.flags = u16(rng);
  m.state = static_cast<std::uint8_t>(rng.below(2));
  m.mflags = static_cast<std::uint8_t>(rng.below(256));
  if (is_gossip_type(type)) {
    const auto count = rng.below(rng.chance(0.1) ? 300 : 12);
    for (std::uint64_t i = 0; i < count; ++i) {
      GossipEntry g;
      g.node_id = random_node_id(rng);
      g.ping_sent_s = u32(rng);
      g.pong_received_s = u32(rng);
      g.ip = random_ip(rng);
      g.port = u16(rng);
      g.cport = u16(rng);
      g.flags = u16(rng);
      g.pport = u16(rng);
      m.gossip.push_back(g);
    }
    m.hostname = random_hostname(rng);
    if (!m.hostname.empty()) m.mflags |= message_flag::ext_data;
  }
  if (type == MessageType::fail || type == MessageType::update) m.about_node_id = random_node_id(rng);
  if (type == MessageType::update) {
    m.update_config_epoch = rng.next_u64();
    m.update_slots = random_slots(rng);
  }
  return m;
}

std::size_t expected_totlen(const Message& m) {
  switch (m.type) {
    case MessageType::ping:
    case MessageType::pong:
    case MessageType::meet: {
      std::size_t n = 2256 + 104 * m.gossip.size();
      if (!m.hostname.empty()) n += 8 + (m.hostname.size() + 1 + 7) / 8 * 8;
      return n;
    }
    case MessageType::fail: return 2296;
    case MessageType::update: return 4352;
    case MessageType::publish:
    case MessageType::publishshard: return 2256 + 8;
    case MessageType::module: return 2256 + 13;
    default: return 2256;
  }
}

Message sample_ping() {
  Message m;
  m.type = MessageType::ping;
  m.port = 7001;
  m.current_epoch = 0x0102030405060708ull;
  m.config_epoch = 42;
  m.offset = 123456789;
  m.sender = std::string(40, 'a');
  m.slots.set(0);
  m.slots.set(10);
  m.slots.set(16383);
  m.primary_id = std::string(40, 'b');
  m.ip = "127.0.0.1";
  m.pport = 0;
  m.cport = 17001;
  m.flags = node_flag::replica | node_flag::myself;
  m.state = 1;
  m.mflags = message_flag::paused;
  for (int i = 0; i < 3; ++i) {
    GossipEntry g;
    g.node_id = std::string(40, static_cast<char>('c' + i));
    g.ping_sent_s = 1000 + i;
    g.pong_received_s = 2000 + i;
    g.ip = "10.0.0." + std::to_string(i);
    g.port = static_cast<std::uint16_t>(7002 + i);
    g.cport = static_cast<std::uint16_t>(17002 + i);
    g.flags = node_flag::master;
    g.pport = 0;
    m.gossip.push_back(g);
  }
  m.hostname = "node-1.example";
  return m;
}

Decoded decode_ok(const std::string& frame) {
  Decoded d = decode(frame);
  INFO("error: " << d.error);
  REQUIRE(d.status == DecodeStatus::ok);
  CHECK(d.error.empty());
  return d;
}

}  // namespace

TEST_CASE("every message type round-trips with random fields", "[bus]") {
  Rng rng = Rng::derive(1, "bus round trip");
  for (MessageType type : kAllTypes) {
    for (int round = 0; round < 40; ++round) {
      const Message m = random_message(rng, type);
      const std::string frame = encode(m);
      INFO("type " << message_type_name(type) << " round " << round);
      CHECK(frame.size() == expected_totlen(m));
      const FrameCheck check = check_frame(frame);
      REQUIRE(check.status == FrameStatus::complete);
      CHECK(check.length == frame.size());
      const Decoded d = decode_ok(frame);
      CHECK(d.message == m);
      CHECK(encode(d.message) == frame);
    }
  }
}

TEST_CASE("encoded header fields sit at the offsets of cluster.h", "[bus]") {
  const Message m = sample_ping();
  const std::string f = encode(m);
  REQUIRE(f.size() == 2256 + 3 * 104 + 8 + 16);
  CHECK(f.substr(0, 4) == "RCmb");
  CHECK(be_at(f, 4, 4) == f.size());
  CHECK(be_at(f, 8, 2) == 1);
  CHECK(be_at(f, 10, 2) == 7001);
  CHECK(be_at(f, 12, 2) == 0);
  CHECK(be_at(f, 14, 2) == 3);
  CHECK(be_at(f, 16, 8) == 0x0102030405060708ull);
  CHECK(static_cast<unsigned char>(f[16]) == 0x01);  // most significant byte first
  CHECK(be_at(f, 24, 8) == 42);
  CHECK(be_at(f, 32, 8) == 123456789);
  CHECK(f.substr(40, 40) == std::string(40, 'a'));
  // Slot i is bit (i & 7) of byte i / 8 of myslots.
  CHECK(static_cast<unsigned char>(f[80]) == 0x01);         // slot 0
  CHECK(static_cast<unsigned char>(f[81]) == 0x04);         // slot 10
  CHECK(static_cast<unsigned char>(f[80 + 2047]) == 0x80);  // slot 16383
  for (std::size_t i = 82; i < 80 + 2047; ++i) REQUIRE(f[i] == '\0');
  CHECK(f.substr(2128, 40) == std::string(40, 'b'));
  CHECK(f.substr(2168, 46) == "127.0.0.1" + std::string(46 - 9, '\0'));
  CHECK(be_at(f, 2214, 2) == 1);  // one extension
  CHECK(f.substr(2216, 30) == std::string(30, '\0'));
  CHECK(be_at(f, 2246, 2) == 0);
  CHECK(be_at(f, 2248, 2) == 17001);
  CHECK(be_at(f, 2250, 2) == (node_flag::replica | node_flag::myself));
  CHECK(be_at(f, 2252, 1) == 1);
  CHECK(be_at(f, 2253, 1) == (message_flag::paused | message_flag::ext_data));
  CHECK(be_at(f, 2254, 2) == 0);

  // Second gossip entry.
  const std::size_t g = 2256 + 104;
  CHECK(f.substr(g, 40) == std::string(40, 'd'));
  CHECK(be_at(f, g + 40, 4) == 1001);
  CHECK(be_at(f, g + 44, 4) == 2001);
  CHECK(f.substr(g + 48, 46) == "10.0.0.1" + std::string(46 - 8, '\0'));
  CHECK(be_at(f, g + 94, 2) == 7003);
  CHECK(be_at(f, g + 96, 2) == 17003);
  CHECK(be_at(f, g + 98, 2) == node_flag::master);
  CHECK(be_at(f, g + 100, 2) == 0);
  CHECK(be_at(f, g + 102, 2) == 0);

  // Hostname extension: length 8 + 16 ("node-1.example\0" is 15 bytes, padded to 16), type 0.
  const std::size_t e = 2256 + 3 * 104;
  CHECK(be_at(f, e, 4) == 24);
  CHECK(be_at(f, e + 4, 2) == 0);
  CHECK(be_at(f, e + 6, 2) == 0);
  CHECK(f.substr(e + 8) == std::string("node-1.example") + std::string(2, '\0'));
}

TEST_CASE("a primary's slaveof and an unset ip are all zero bytes", "[bus]") {
  Message m;
  m.type = MessageType::pong;
  m.sender = std::string(40, 'x');
  const std::string f = encode(m);
  CHECK(f.substr(2128, 40) == std::string(40, '\0'));
  CHECK(f.substr(2168, 46) == std::string(46, '\0'));
  CHECK(be_at(f, 2214, 2) == 0);
  CHECK(be_at(f, 2253, 1) == 0);  // no hostname: no EXT_DATA added
  const Decoded d = decode_ok(f);
  CHECK(d.message.primary_id.empty());
  CHECK(d.message.ip.empty());
  CHECK(d.message == m);
}

TEST_CASE("payload layouts of FAIL and UPDATE", "[bus]") {
  Message fail;
  fail.type = MessageType::fail;
  fail.about_node_id = std::string(40, 'f');
  const std::string ff = encode(fail);
  REQUIRE(ff.size() == 2296);
  CHECK(be_at(ff, 12, 2) == 3);
  CHECK(ff.substr(2256, 40) == std::string(40, 'f'));

  Message update;
  update.type = MessageType::update;
  update.about_node_id = std::string(40, 'u');
  update.update_config_epoch = 0xAABBCCDD00112233ull;
  update.update_slots.set(8);
  update.update_slots.set(16383);
  const std::string uf = encode(update);
  REQUIRE(uf.size() == 4352);
  CHECK(be_at(uf, 12, 2) == 7);
  CHECK(be_at(uf, 2256, 8) == 0xAABBCCDD00112233ull);
  CHECK(uf.substr(2264, 40) == std::string(40, 'u'));
  CHECK(static_cast<unsigned char>(uf[2304 + 1]) == 0x01);  // slot 8
  CHECK(static_cast<unsigned char>(uf[4351]) == 0x80);      // slot 16383
}

TEST_CASE("totlen per message type", "[bus]") {
  Message m;
  m.sender = std::string(40, 's');
  auto length_of = [&](MessageType type) {
    m.type = type;
    return encode(m).size();
  };
  CHECK(length_of(MessageType::ping) == 2256);
  CHECK(length_of(MessageType::pong) == 2256);
  CHECK(length_of(MessageType::meet) == 2256);
  CHECK(length_of(MessageType::fail) == 2296);
  CHECK(length_of(MessageType::failover_auth_request) == 2256);
  CHECK(length_of(MessageType::failover_auth_ack) == 2256);
  CHECK(length_of(MessageType::update) == 4352);
  CHECK(length_of(MessageType::mfstart) == 2256);
  CHECK(length_of(MessageType::publish) == 2264);
  CHECK(length_of(MessageType::publishshard) == 2264);
  CHECK(length_of(MessageType::module) == 2269);

  m.gossip.resize(5);
  CHECK(length_of(MessageType::ping) == 2256 + 5 * 104);
  // Hostname data is the string and its NUL, padded to a multiple of 8.
  for (std::size_t n = 1; n <= 20; ++n) {
    m.hostname = std::string(n, 'h');
    CHECK(length_of(MessageType::meet) == 2256 + 5 * 104 + 8 + (n + 1 + 7) / 8 * 8);
  }
  CHECK(m.hostname.size() == 20);
  CHECK(length_of(MessageType::pong) == 2256 + 520 + 8 + 24);
  // Types that carry no gossip leave it out.
  CHECK(length_of(MessageType::failover_auth_ack) == 2256);
}

TEST_CASE("encode refuses strings that would not survive the trip", "[bus]") {
  Message m;
  m.sender = std::string(41, 'a');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.sender = std::string(40, 'a');
  m.ip = std::string(46, '1');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.ip = std::string("1.2\0003", 5);
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.ip = std::string(45, '1');
  CHECK_NOTHROW(encode(m));
  m.hostname = std::string("a\0b", 3);
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.hostname = std::string(kMaxHostnameLength + 1, 'h');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.hostname = std::string(kMaxHostnameLength, 'h');
  CHECK(encode(m).size() == 2256 + 8 + kMaxExtensionLength - 8);
  m.hostname.clear();
  m.gossip.resize(1);
  m.gossip[0].node_id = std::string(41, 'g');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.gossip[0].node_id = "short";
  m.gossip[0].ip = std::string(46, '1');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.gossip.clear();
  m.type = MessageType::fail;
  m.about_node_id = std::string(41, 'f');
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
}

TEST_CASE("framing needs 8 bytes, then the whole totlen", "[bus]") {
  const std::string frame = encode(sample_ping());
  for (std::size_t n = 0; n < 8; ++n) {
    const FrameCheck c = check_frame(std::string_view(frame).substr(0, n));
    CHECK(c.status == FrameStatus::need_more);
    CHECK(c.length == 0);
    // Even garbage is not judged before 8 bytes, as Redis reads 8 first.
    CHECK(check_frame(std::string(n, 'x')).status == FrameStatus::need_more);
  }
  for (std::size_t n : {std::size_t{8}, std::size_t{9}, std::size_t{2256}, frame.size() - 1}) {
    const FrameCheck c = check_frame(std::string_view(frame).substr(0, n));
    CHECK(c.status == FrameStatus::need_more);
    CHECK(c.length == frame.size());
  }
  const FrameCheck whole = check_frame(frame);
  CHECK(whole.status == FrameStatus::complete);
  CHECK(whole.length == frame.size());
  const FrameCheck more = check_frame(frame + encode(Message{}));
  CHECK(more.status == FrameStatus::complete);
  CHECK(more.length == frame.size());
}

TEST_CASE("framing rejects a bad signature and a totlen out of range", "[bus]") {
  std::string frame = encode(Message{});
  std::string bad_sig = frame;
  bad_sig[3] = 'B';
  CHECK(check_frame(bad_sig).status == FrameStatus::bad);
  CHECK(check_frame(bad_sig.substr(0, 8)).status == FrameStatus::bad);
  CHECK(decode(bad_sig).status == DecodeStatus::bad);

  std::string small = frame.substr(0, 8);
  put_be(small, 4, 2255, 4);
  FrameCheck c = check_frame(small);
  CHECK(c.status == FrameStatus::bad);
  CHECK_FALSE(c.error.empty());
  put_be(small, 4, 0, 4);
  CHECK(check_frame(small).status == FrameStatus::bad);
  put_be(small, 4, 2256, 4);
  CHECK(check_frame(small).status == FrameStatus::need_more);

  put_be(small, 4, kMaxFrameLength, 4);
  CHECK(check_frame(small).status == FrameStatus::need_more);
  put_be(small, 4, kMaxFrameLength + 1, 4);
  CHECK(check_frame(small).status == FrameStatus::bad);
  put_be(small, 4, 0xFFFFFFFFu, 4);
  CHECK(check_frame(small).status == FrameStatus::bad);
}

TEST_CASE("decode wants exactly one frame", "[bus]") {
  const std::string frame = encode(sample_ping());
  CHECK(decode("").status == DecodeStatus::bad);
  CHECK(decode("RCmb").status == DecodeStatus::bad);
  CHECK(decode(frame + "x").status == DecodeStatus::bad);
  CHECK(decode(frame.substr(0, frame.size() - 1)).status == DecodeStatus::bad);
}

TEST_CASE("packets Redis drops while keeping the link are ignored", "[bus]") {
  const std::string ping = encode(sample_ping());

  SECTION("protocol version other than 1") {
    std::string f = ping;
    put_be(f, 8, 2, 2);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    CHECK(d.error == "protocol version 2 is not 1");
  }
  SECTION("unknown type keeps the header readable") {
    Message m = sample_ping();
    m.type = static_cast<MessageType>(42);
    const std::string f = encode(m);
    CHECK(f.size() == 2256);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    CHECK(d.error == "unknown message type 42");
    CHECK(static_cast<unsigned>(d.message.type) == 42);
    CHECK(d.message.current_epoch == m.current_epoch);
    CHECK(d.message.sender == m.sender);
    CHECK(d.message.slots == m.slots);
  }
  SECTION("fixed-size types with a wrong length") {
    for (MessageType type : {MessageType::fail, MessageType::update, MessageType::failover_auth_request,
                             MessageType::failover_auth_ack, MessageType::mfstart}) {
      Message m;
      m.type = type;
      std::string f = encode(m);
      f += std::string(8, '\0');
      fix_totlen(f);
      INFO(message_type_name(type));
      const Decoded d = decode(f);
      CHECK(d.status == DecodeStatus::ignored);
      CHECK_FALSE(d.error.empty());
    }
    Message fail;
    fail.type = MessageType::fail;
    std::string f = encode(fail).substr(0, 2256);
    fix_totlen(f);
    CHECK(decode(f).status == DecodeStatus::ignored);
    CHECK(decode(f).error == "FAIL of totlen 2256 but expected length 2296");
  }
  SECTION("publish and module lengths come from their payload") {
    Message m;
    m.type = MessageType::publish;
    std::string f = encode(m);
    f += "chanmessage";
    fix_totlen(f);
    CHECK(decode(f).status == DecodeStatus::ignored);
    put_be(f, 2256, 4, 4);
    put_be(f, 2260, 7, 4);
    CHECK(decode(f).status == DecodeStatus::ok);
    put_be(f, 2260, 0xFFFFFFFFu, 4);  // would wrap a 32-bit sum
    CHECK(decode(f).status == DecodeStatus::ignored);
    std::string header_only = f.substr(0, 2256);
    fix_totlen(header_only);
    CHECK(decode(header_only).status == DecodeStatus::ignored);

    m.type = MessageType::module;
    f = encode(m) + "xyz";
    fix_totlen(f);
    CHECK(decode(f).status == DecodeStatus::ignored);
    put_be(f, 2264, 3, 4);
    CHECK(decode(f).status == DecodeStatus::ok);
  }
  SECTION("gossip count larger than the frame") {
    std::string f = ping;
    put_be(f, 14, 0xFFFF, 2);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    CHECK(d.message.gossip.empty());
    put_be(f, 14, 2, 2);  // fewer entries than present: trailing bytes
    CHECK(decode(f).status == DecodeStatus::ignored);
  }
  SECTION("extension length not a multiple of 8") {
    std::string f = ping;
    put_be(f, 2256 + 312, 20, 4);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    CHECK(d.error.find("multiple of 8") != std::string::npos);
  }
  SECTION("extension length overrunning totlen") {
    std::string f = ping;
    put_be(f, 2256 + 312, 32, 4);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    CHECK(d.error.find("exceeds totlen") != std::string::npos);
    put_be(f, 2256 + 312, 0xFFFFFFF8u, 4);
    CHECK(decode(f).status == DecodeStatus::ignored);
  }
  SECTION("extension length shorter than its header") {
    std::string f = ping;
    put_be(f, 2256 + 312, 0, 4);
    CHECK(decode(f).status == DecodeStatus::ignored);
  }
  SECTION("more extensions declared than present") {
    std::string f = ping;
    put_be(f, 2214, 2, 2);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);
    put_be(f, 2214, 0xFFFF, 2);
    CHECK(decode(f).status == DecodeStatus::ignored);
  }
  SECTION("extensions without EXT_DATA are not parsed") {
    std::string f = ping;
    f[2253] = static_cast<char>(f[2253] & ~message_flag::ext_data);
    const Decoded d = decode(f);
    CHECK(d.status == DecodeStatus::ignored);  // the extension bytes are then unexpected
    std::string no_ext = f.substr(0, 2256 + 312);
    fix_totlen(no_ext);
    const Decoded e = decode(no_ext);
    CHECK(e.status == DecodeStatus::ok);  // the header still says one extension, but without the flag it is moot
    CHECK(e.message.hostname.empty());
    CHECK(e.message.gossip.size() == 3);
  }
}

TEST_CASE("extensions: unknown types skipped, hostname up to its NUL", "[bus]") {
  Message m = sample_ping();
  m.hostname = "h1";
  std::string f = encode(m);
  // Append an unknown extension (type 7, 8 bytes of data) and count it.
  std::string ext(16, '\0');
  put_be(ext, 0, 16, 4);
  put_be(ext, 4, 7, 2);
  ext.replace(8, 4, "junk");
  f += ext;
  put_be(f, 2214, 2, 2);
  fix_totlen(f);
  Decoded d = decode_ok(f);
  CHECK(d.message.hostname == "h1");
  CHECK(d.message.gossip == m.gossip);

  // A second hostname extension wins; data after its NUL is not part of it.
  std::string host(16, '\0');
  put_be(host, 0, 16, 4);
  host.replace(8, 6, std::string("h2\0xyz", 6));
  f += host;
  put_be(f, 2214, 3, 2);
  fix_totlen(f);
  d = decode_ok(f);
  CHECK(d.message.hostname == "h2");

  // A hostname extension with no NUL at all: the whole data (never past it).
  std::string tight(16, '\0');
  put_be(tight, 0, 16, 4);
  tight.replace(8, 8, "abcdefgh");
  f += tight;
  put_be(f, 2214, 4, 2);
  fix_totlen(f);
  d = decode_ok(f);
  CHECK(d.message.hostname == "abcdefgh");

  // An empty extension (header only) is well formed.
  std::string empty(8, '\0');
  put_be(empty, 0, 8, 4);
  put_be(empty, 4, 9, 2);
  f += empty;
  put_be(f, 2214, 5, 2);
  fix_totlen(f);
  decode_ok(f);
}

TEST_CASE("strings: trailing NULs stripped from ids, ips cut at the first NUL", "[bus]") {
  Message m = sample_ping();
  m.hostname.clear();
  m.mflags = 0;
  std::string f = encode(m);
  // Stale bytes after the ip's terminator, as Redis can leave in its buffers.
  f.replace(2168 + 9 + 1, 3, "999");
  // A 46-byte ip without a terminator: Redis forces byte 45 to NUL.
  f.replace(2256 + 2 * 104 + 48, 46, std::string(46, '7'));
  // A sender id with a NUL inside and at the end.
  f.replace(40, 40, std::string("abc\0def", 7) + std::string(33, '\0'));
  const Decoded d = decode_ok(f);
  CHECK(d.message.ip == "127.0.0.1");
  CHECK(d.message.gossip[2].ip == std::string(45, '7'));
  CHECK(d.message.sender == std::string("abc\0def", 7));
  CHECK(decode_ok(encode(d.message)).message == d.message);
}

TEST_CASE("every truncation of a PING with gossip and hostname is refused", "[bus]") {
  const std::string frame = encode(sample_ping());
  for (std::size_t n = 0; n < frame.size(); ++n) {
    const std::string_view prefix = std::string_view(frame).substr(0, n);
    const Decoded d = decode(prefix);
    REQUIRE(d.status != DecodeStatus::ok);
    REQUIRE_FALSE(d.error.empty());
    // The same prefix with totlen claiming it is whole reaches the content checks.
    if (n >= 8) {
      std::string patched(prefix);
      fix_totlen(patched);
      const Decoded p = decode(patched);
      INFO("length " << n << ": " << p.error);
      REQUIRE(p.status != DecodeStatus::ok);
      REQUIRE_FALSE(p.error.empty());
    }
  }
}

TEST_CASE("random byte flips never break decode", "[bus]") {
  Rng rng = Rng::derive(7, "bus flips");
  int ok = 0;
  int ignored = 0;
  int bad = 0;
  for (int round = 0; round < 3000; ++round) {
    const Message original = random_message(rng, kAllTypes[rng.below(kAllTypes.size())]);
    std::string f = encode(original);
    const auto flips = rng.between(1, 8);
    for (std::int64_t i = 0; i < flips; ++i) {
      // Aim half the flips at the first bytes and the header's counts, where they matter most.
      std::size_t at = 0;
      switch (rng.below(4)) {
        case 0: at = rng.below(16); break;
        case 1: at = 2214 + rng.below(2); break;
        case 2: at = 2248 + rng.below(8); break;
        default: at = rng.below(f.size()); break;
      }
      f[at] = static_cast<char>(f[at] ^ static_cast<char>(1u << rng.below(8)));
    }
    if (rng.chance(0.5)) fix_totlen(f);
    if (rng.chance(0.1)) f.resize(rng.below(f.size() + 1));
    const Decoded d = decode(f);
    switch (d.status) {
      case DecodeStatus::ok:
        ++ok;
        REQUIRE(d.error.empty());
        // Whatever decoded re-encodes to a frame that decodes the same.
        REQUIRE(decode(encode(d.message)).message == d.message);
        break;
      case DecodeStatus::ignored: ++ignored; REQUIRE_FALSE(d.error.empty()); break;
      case DecodeStatus::bad: ++bad; REQUIRE_FALSE(d.error.empty()); break;
    }
  }
  // Every outcome happens, so the loop exercises each path.
  CHECK(ok > 0);
  CHECK(ignored > 0);
  CHECK(bad > 0);
}

TEST_CASE("random garbage frames never break decode", "[bus]") {
  Rng rng = Rng::derive(9, "bus garbage");
  for (int round = 0; round < 500; ++round) {
    std::string f(rng.below(5000), '\0');
    for (auto& c : f) c = static_cast<char>(rng.below(256));
    if (f.size() >= 16) {
      f.replace(0, 4, "RCmb");
      fix_totlen(f);
      put_be(f, 8, 1, 2);
      put_be(f, 12, rng.below(12), 2);
    }
    const Decoded d = decode(f);
    REQUIRE((d.status != DecodeStatus::ok || d.error.empty()));
    (void)check_frame(f);
  }
}
