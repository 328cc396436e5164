#include "node/dump_payload.h"

#include <charconv>
#include <cstddef>
#include <limits>
#include <system_error>
#include <utility>

#include "node/crc64.h"

// Compression: with rdbcompression yes (the default), Redis LZF-compresses a
// string longer than 20 bytes whenever that saves at least 4 bytes, e.g. DUMP
// of 100 'x' is 00 c3 09 40 64 01 78 78 e0 57 00 01 78 78 + footer (type,
// RDB_ENC_LZF, clen 9, len 100, LZF data). We never compress, so such DUMPs
// differ from Redis's; they equal what Redis writes with rdbcompression no,
// and both forms restore to the same value on either side. Redis's LZF output
// is not reproduced here because matching it means copying lzf_c.c's hash
// table heuristics byte for byte.

namespace slotsim::node {
namespace {

constexpr std::uint8_t kRdbTypeString = 0;
constexpr std::uint8_t kRdbTypeList = 1;
constexpr std::uint8_t kRdbTypeListQuicklist2 = 18;

// First byte of an RDB length; the top two bits pick the form.
constexpr std::uint8_t kLen32Bit = 0x80;
constexpr std::uint8_t kLen64Bit = 0x81;
constexpr std::uint8_t kEncInt8 = 0;
constexpr std::uint8_t kEncInt16 = 1;
constexpr std::uint8_t kEncInt32 = 2;
constexpr std::uint8_t kEncLzf = 3;

constexpr std::size_t kFooterSize = 10;  // 2 version bytes + 8 CRC bytes

// Quicklist node containers (QUICKLIST_NODE_CONTAINER_*).
constexpr std::uint64_t kContainerPlain = 1;
constexpr std::uint64_t kContainerPacked = 2;

constexpr std::size_t kListpackHeaderSize = 6;
constexpr std::uint16_t kListpackCountUnknown = 65535;
constexpr std::uint8_t kListpackEof = 0xff;

// One LZF back reference (3 input bytes) yields at most 264 bytes.
constexpr std::uint64_t kLzfMaxExpansion = 88;

void append_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

void append_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

// rdbSaveLen: 6-bit, 14-bit big-endian, or a marker byte + 32/64-bit big-endian.
void append_length(std::string& out, std::uint64_t len) {
  if (len < 64) {
    out += static_cast<char>(len);
  } else if (len < 16384) {
    out += static_cast<char>(0x40 | (len >> 8));
    out += static_cast<char>(len & 0xff);
  } else if (len <= std::numeric_limits<std::uint32_t>::max()) {
    out += static_cast<char>(kLen32Bit);
    append_be(out, len, 4);
  } else {
    out += static_cast<char>(kLen64Bit);
    append_be(out, len, 8);
  }
}

// Redis stores a string as an integer only if it is the canonical decimal
// form of a value that fits in 32 bits ("007", "-0", "+1" stay strings).
std::optional<std::int32_t> canonical_int32(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || stop != end) return std::nullopt;
  if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max()) {
    return std::nullopt;
  }
  if (std::to_string(value) != text) return std::nullopt;
  return static_cast<std::int32_t>(value);
}

// rdbSaveRawString without LZF: integer encodings first, else length + bytes.
void append_string(std::string& out, std::string_view text) {
  if (const auto number = canonical_int32(text)) {
    const std::int32_t v = *number;
    if (v >= -128 && v <= 127) {
      out += static_cast<char>(0xc0 | kEncInt8);
      append_le(out, static_cast<std::uint32_t>(v), 1);
    } else if (v >= -32768 && v <= 32767) {
      out += static_cast<char>(0xc0 | kEncInt16);
      append_le(out, static_cast<std::uint32_t>(v), 2);
    } else {
      out += static_cast<char>(0xc0 | kEncInt32);
      append_le(out, static_cast<std::uint32_t>(v), 4);
    }
    return;
  }
  append_length(out, text.size());
  out.append(text);
}

// Bounds-checked cursor: every read says whether the bytes were there.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool byte(std::uint8_t& out) {
    if (pos_ >= data_.size()) return false;
    out = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }

  bool bytes(std::uint64_t count, std::string_view& out) {
    if (count > data_.size() - pos_) return false;
    out = data_.substr(pos_, static_cast<std::size_t>(count));
    pos_ += static_cast<std::size_t>(count);
    return true;
  }

  bool big_endian(int count, std::uint64_t& out) {
    std::string_view raw;
    if (!bytes(static_cast<std::uint64_t>(count), raw)) return false;
    out = 0;
    for (const char c : raw) out = (out << 8) | static_cast<std::uint8_t>(c);
    return true;
  }

  bool little_endian(int count, std::uint64_t& out) {
    std::string_view raw;
    if (!bytes(static_cast<std::uint64_t>(count), raw)) return false;
    out = 0;
    for (int i = count - 1; i >= 0; --i) out = (out << 8) | static_cast<std::uint8_t>(raw[static_cast<std::size_t>(i)]);
    return true;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

// rdbLoadLenByRef. `encoded` reports the 11xxxxxx "special encoding" form;
// callers that don't ask (list and LZF lengths) get its low 6 bits as a plain
// length, exactly as Redis does (a list count byte 0xc3 means 3).
bool read_length(Reader& in, std::uint64_t& len, bool* encoded = nullptr) {
  std::uint8_t first = 0;
  if (!in.byte(first)) return false;
  if (encoded != nullptr) *encoded = false;
  switch (first >> 6) {
    case 0:
      len = first & 0x3f;
      return true;
    case 1: {
      std::uint8_t second = 0;
      if (!in.byte(second)) return false;
      len = (static_cast<std::uint64_t>(first & 0x3f) << 8) | second;
      return true;
    }
    case 3:
      if (encoded != nullptr) *encoded = true;
      len = first & 0x3f;
      return true;
    default:
      if (first == kLen32Bit) return in.big_endian(4, len);
      if (first == kLen64Bit) return in.big_endian(8, len);
      return false;
  }
}

// lzf_decompress into exactly `expected` bytes; any other outcome fails.
bool lzf_decompress(std::string_view in, std::uint64_t expected, std::string& out) {
  if (expected > in.size() * kLzfMaxExpansion) return false;  // also caps the allocation
  out.clear();
  out.reserve(static_cast<std::size_t>(expected));
  std::size_t ip = 0;
  while (ip < in.size()) {
    const unsigned ctrl = static_cast<std::uint8_t>(in[ip++]);
    if (ctrl < 32) {  // literal run of ctrl + 1 bytes
      const std::size_t run = ctrl + 1;
      if (out.size() + run > expected || in.size() - ip < run) return false;
      out.append(in.substr(ip, run));
      ip += run;
      continue;
    }
    // Back reference: length in the top 3 bits (7 = "add next byte"),
    // offset in the low 5 bits plus the next byte.
    std::size_t run = ctrl >> 5;
    if (ip >= in.size()) return false;
    if (run == 7) {
      run += static_cast<std::uint8_t>(in[ip++]);
      if (ip >= in.size()) return false;
    }
    const std::size_t distance = ((ctrl & 0x1fu) << 8) + static_cast<std::uint8_t>(in[ip++]) + 1;
    run += 2;
    if (out.size() + run > expected || distance > out.size()) return false;
    // Byte by byte: the source may overlap what this copy appends.
    std::size_t from = out.size() - distance;
    for (std::size_t i = 0; i < run; ++i) {
      const char c = out[from++];
      out += c;  // no reallocation: reserved `expected`
    }
  }
  return out.size() == expected;
}

// rdbGenericLoadStringObject: raw bytes, an RDB_ENC_INT*, or LZF.
bool read_string(Reader& in, std::string& out) {
  std::uint64_t len = 0;
  bool encoded = false;
  if (!read_length(in, len, &encoded)) return false;
  if (!encoded) {
    std::string_view raw;
    if (!in.bytes(len, raw)) return false;
    out.assign(raw);
    return true;
  }
  std::uint64_t bits = 0;
  switch (len) {
    case kEncInt8:
      if (!in.little_endian(1, bits)) return false;
      out = std::to_string(static_cast<std::int8_t>(bits));
      return true;
    case kEncInt16:
      if (!in.little_endian(2, bits)) return false;
      out = std::to_string(static_cast<std::int16_t>(bits));
      return true;
    case kEncInt32:
      if (!in.little_endian(4, bits)) return false;
      out = std::to_string(static_cast<std::int32_t>(bits));
      return true;
    case kEncLzf: {
      std::uint64_t compressed_len = 0;
      std::uint64_t plain_len = 0;
      std::string_view compressed;
      if (!read_length(in, compressed_len) || !read_length(in, plain_len)) return false;
      if (!in.bytes(compressed_len, compressed)) return false;
      // Redis compares lzf_decompress's result, 0 on any error, with the
      // expected length: an expected length of 0 always "succeeds".
      if (plain_len == 0) {
        out.clear();
        return true;
      }
      return lzf_decompress(compressed, plain_len, out);
    }
    default:
      return false;
  }
}

std::uint64_t listpack_le(std::string_view lp, std::size_t pos, int count) {
  std::uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<std::uint8_t>(lp[pos + static_cast<std::size_t>(i)]);
  }
  return value;
}

// lpEncodeBacklen: the entry's size, 7 bits per byte, stored so that it
// reads backwards from the entry's last byte.
std::string listpack_backlen(std::uint64_t size) {
  int count = 5;
  if (size <= 127) {
    count = 1;
  } else if (size < 16383) {
    count = 2;
  } else if (size < 2097151) {
    count = 3;
  } else if (size < 268435455) {
    count = 4;
  }
  std::string out;
  for (int i = count - 1; i >= 0; --i) {
    const auto bits = static_cast<std::uint8_t>((size >> (7 * i)) & 127);
    out += static_cast<char>(i == count - 1 ? bits : bits | 128);
  }
  return out;
}

// Decodes one listpack fully validated (lpValidateIntegrity with deep=1).
// Redis 7.0 by default checks only the header and the final 0xff, then
// asserts (crashes) on a corrupt entry later; we refuse such payloads.
bool read_listpack(std::string_view lp, std::vector<std::string>& out) {
  if (lp.size() < kListpackHeaderSize + 1) return false;
  if (listpack_le(lp, 0, 4) != lp.size()) return false;
  if (static_cast<std::uint8_t>(lp.back()) != kListpackEof) return false;
  const auto declared = static_cast<std::uint16_t>(listpack_le(lp, 4, 2));
  const std::size_t end = lp.size() - 1;  // the EOF byte
  std::size_t pos = kListpackHeaderSize;
  std::uint64_t count = 0;
  while (pos < end) {
    const auto enc = static_cast<std::uint8_t>(lp[pos]);
    std::size_t header = 1;   // encoding byte(s) before the payload
    std::uint64_t data = 0;   // payload bytes
    bool is_string = false;
    if ((enc & 0x80) == 0) {                 // 0xxxxxxx: 7-bit unsigned
      header = 1;
    } else if ((enc & 0xc0) == 0x80) {       // 10xxxxxx: string, 6-bit length
      is_string = true;
      data = enc & 0x3f;
    } else if ((enc & 0xe0) == 0xc0) {       // 110xxxxx: 13-bit signed
      header = 2;
    } else if ((enc & 0xf0) == 0xe0) {       // 1110xxxx: string, 12-bit length
      header = 2;
      is_string = true;
    } else if (enc == 0xf0) {                // string, 32-bit length
      header = 5;
      is_string = true;
    } else if (enc >= 0xf1 && enc <= 0xf4) {  // 16/24/32/64-bit signed
      static constexpr int kIntBytes[] = {2, 3, 4, 8};
      data = static_cast<std::uint64_t>(kIntBytes[enc - 0xf1]);
    } else {
      return false;  // 0xf5..0xfe are unused; 0xff here is an EOF too early
    }
    if (header > end - pos) return false;
    if (enc == 0xf0) data = listpack_le(lp, pos + 1, 4);
    if ((enc & 0xf0) == 0xe0) data = ((enc & 0x0fu) << 8) | static_cast<std::uint8_t>(lp[pos + 1]);
    if (data > end - pos - header) return false;
    const std::uint64_t entry_size = header + data;
    const std::string backlen = listpack_backlen(entry_size);
    if (backlen.size() > end - pos - entry_size) return false;
    if (lp.substr(pos + entry_size, backlen.size()) != backlen) return false;

    const std::size_t at = pos + header;
    if (is_string) {
      out.emplace_back(lp.substr(at, static_cast<std::size_t>(data)));
    } else if ((enc & 0x80) == 0) {
      out.push_back(std::to_string(enc & 0x7f));
    } else if ((enc & 0xe0) == 0xc0) {
      const std::int64_t raw = ((enc & 0x1f) << 8) | static_cast<std::uint8_t>(lp[pos + 1]);
      out.push_back(std::to_string(raw >= 4096 ? raw - 8192 : raw));
    } else {
      const std::uint64_t raw = listpack_le(lp, at, static_cast<int>(data));
      const int bits = static_cast<int>(data) * 8;
      std::int64_t value = static_cast<std::int64_t>(raw);  // two's complement (C++20)
      if (bits < 64 && raw >= (std::uint64_t{1} << (bits - 1))) {
        value -= static_cast<std::int64_t>(std::uint64_t{1} << bits);
      }
      out.push_back(std::to_string(value));
    }
    pos += static_cast<std::size_t>(entry_size) + backlen.size();
    ++count;
  }
  return declared == kListpackCountUnknown || declared == count;
}

// RDB_TYPE_LIST: count, then that many strings.
bool read_legacy_list(Reader& in, std::vector<std::string>& out) {
  std::uint64_t count = 0;
  if (!read_length(in, count) || count == 0) return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string element;
    if (!read_string(in, element)) return false;  // every element needs >= 1 byte, so the loop is bounded
    out.push_back(std::move(element));
  }
  return true;
}

// RDB_TYPE_LIST_QUICKLIST_2: node count, then per node a container kind and a
// string: one element (plain) or a listpack (packed). Empty listpacks are
// skipped, but a list that ends up empty is refused.
bool read_quicklist2(Reader& in, std::vector<std::string>& out) {
  std::uint64_t nodes = 0;
  if (!read_length(in, nodes) || nodes == 0) return false;
  for (std::uint64_t i = 0; i < nodes; ++i) {
    std::uint64_t container = 0;
    std::string data;
    if (!read_length(in, container)) return false;
    if (container != kContainerPlain && container != kContainerPacked) return false;
    if (!read_string(in, data) || data.empty()) return false;
    if (container == kContainerPlain) {
      out.push_back(std::move(data));
    } else if (!read_listpack(data, out)) {
      return false;
    }
  }
  return !out.empty();
}

}  // namespace

std::string dump_payload(const DumpedValue& value) {
  std::string out;
  if (value.type == DumpedValue::Type::string) {
    out += static_cast<char>(kRdbTypeString);
    append_string(out, value.string_value);
  } else {
    out += static_cast<char>(kRdbTypeList);
    append_length(out, value.list_value.size());
    for (const auto& element : value.list_value) append_string(out, element);
  }
  append_le(out, kDumpRdbVersion, 2);
  append_le(out, crc64_redis(0, out), 8);
  return out;
}

std::string_view dump_error_text(DumpError error) {
  switch (error) {
    case DumpError::version_or_checksum:
      return "ERR DUMP payload version or checksum are wrong";
    case DumpError::bad_data_format:
      break;
  }
  return "ERR Bad data format";
}

std::variant<DumpedValue, DumpError> parse_dump_payload_detailed(std::string_view payload) {
  // verifyDumpPayload: the footer first.
  if (payload.size() < kFooterSize) return DumpError::version_or_checksum;
  Reader footer(payload.substr(payload.size() - kFooterSize));
  std::uint64_t version = 0;
  std::uint64_t crc = 0;
  footer.little_endian(2, version);
  footer.little_endian(8, crc);
  if (version > kDumpRdbVersion) return DumpError::version_or_checksum;
  if (crc64_redis(0, payload.substr(0, payload.size() - 8)) != crc) return DumpError::version_or_checksum;

  // Redis decodes the value from the whole payload, footer included, and
  // ignores whatever it leaves unread: a string whose length runs into the
  // footer restores with the footer bytes as its tail. We do the same.
  Reader in(payload);
  std::uint8_t type = 0;
  in.byte(type);  // present: payload has at least 10 bytes
  DumpedValue value;
  bool ok = false;
  if (type == kRdbTypeString) {
    value.type = DumpedValue::Type::string;
    ok = read_string(in, value.string_value);
  } else if (type == kRdbTypeList) {
    value.type = DumpedValue::Type::list;
    ok = read_legacy_list(in, value.list_value);
  } else if (type == kRdbTypeListQuicklist2) {
    value.type = DumpedValue::Type::list;
    ok = read_quicklist2(in, value.list_value);
  }
  // Other RDB types (sets, hashes, ziplist-era lists, ...) are valid to Redis
  // but hold nothing a node can store.
  if (!ok) return DumpError::bad_data_format;
  return value;
}

std::optional<DumpedValue> parse_dump_payload(std::string_view payload) {
  auto result = parse_dump_payload_detailed(payload);
  if (auto* value = std::get_if<DumpedValue>(&result)) return std::move(*value);
  return std::nullopt;
}

}  // namespace slotsim::node
