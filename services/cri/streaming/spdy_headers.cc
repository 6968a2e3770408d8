#include "services/cri/streaming/spdy_headers.h"

#include <cstdint>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/cri/streaming/spdy_dictionary.h"
#include "services/cri/streaming/spdy_wire.h"

namespace berth::cri::streaming {
namespace {

bool TakeUint32(std::string_view* in, uint32_t* value) {
  if (in->size() < 4) return false;
  *value = Uint32At(*in, 0);
  in->remove_prefix(4);
  return true;
}

bool TakeString(std::string_view* in, std::string* value) {
  uint32_t length = 0;
  if (!TakeUint32(in, &length) || in->size() < length) return false;
  value->assign(in->data(), length);
  in->remove_prefix(length);
  return true;
}

Bytef* Bytes(std::string_view s) { return reinterpret_cast<Bytef*>(const_cast<char*>(s.data())); }

}  // namespace

std::string HeaderValue(const SpdyHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, absl::string_view(name.data(), name.size())))
      return value.substr(0, value.find('\0'));
  }
  return "";
}

std::string EncodeHeaderBlock(const SpdyHeaders& headers) {
  std::string block;
  AppendUint32(&block, static_cast<uint32_t>(headers.size()));
  for (const auto& [name, value] : headers) {
    AppendUint32(&block, static_cast<uint32_t>(name.size()));
    block.append(absl::AsciiStrToLower(name));
    AppendUint32(&block, static_cast<uint32_t>(value.size()));
    block.append(value);
  }
  return block;
}

absl::StatusOr<SpdyHeaders> DecodeHeaderBlock(std::string_view block) {
  uint32_t count = 0;
  if (!TakeUint32(&block, &count)) return absl::InvalidArgumentError("header block: no pair count");
  // Each pair takes at least 8 bytes: a count larger than that is a lie.
  if (count > block.size() / 8) {
    return absl::InvalidArgumentError(absl::StrCat("header block: ", count, " pairs in ", block.size(), " bytes"));
  }
  SpdyHeaders headers;
  std::set<std::string> seen;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name, value;
    if (!TakeString(&block, &name) || !TakeString(&block, &value)) {
      return absl::InvalidArgumentError(absl::StrCat("header block: pair ", i, " cut short"));
    }
    if (name.empty()) return absl::InvalidArgumentError("header block: empty name");
    absl::AsciiStrToLower(&name);
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(absl::StrCat("header block: ", name, " twice"));
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  if (!block.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("header block: ", block.size(), " bytes past the last pair"));
  }
  return headers;
}

HeaderCompressor::HeaderCompressor() {
  if (deflateInit(&zs_, Z_BEST_COMPRESSION) != Z_OK) return;
  const std::string_view dictionary = SpdyHeaderDictionary();
  ready_ = deflateSetDictionary(&zs_, Bytes(dictionary), static_cast<uInt>(dictionary.size())) == Z_OK;
}

HeaderCompressor::~HeaderCompressor() { deflateEnd(&zs_); }

absl::StatusOr<std::string> HeaderCompressor::Compress(const SpdyHeaders& headers) {
  if (!ready_) return absl::InternalError("header compressor: zlib did not start");
  const std::string block = EncodeHeaderBlock(headers);
  std::string out;
  zs_.next_in = Bytes(block);
  zs_.avail_in = static_cast<uInt>(block.size());
  // A sync flush ends the block on a byte boundary without ending the zlib
  // stream: the peer inflates exactly this frame's bytes.
  do {
    char chunk[4096];
    zs_.next_out = reinterpret_cast<Bytef*>(chunk);
    zs_.avail_out = sizeof(chunk);
    const int rc = deflate(&zs_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      ready_ = false;
      return absl::InternalError(absl::StrCat("header compressor: deflate: ", rc));
    }
    out.append(chunk, sizeof(chunk) - zs_.avail_out);
  } while (zs_.avail_out == 0);
  return out;
}

HeaderDecompressor::HeaderDecompressor(size_t max_block_bytes) : max_block_bytes_(max_block_bytes) {
  ready_ = inflateInit(&zs_) == Z_OK;
}

HeaderDecompressor::~HeaderDecompressor() { inflateEnd(&zs_); }

absl::StatusOr<SpdyHeaders> HeaderDecompressor::Decompress(std::string_view compressed) {
  if (!ready_) return absl::InvalidArgumentError("header block: the zlib stream broke earlier");
  std::string block;
  zs_.next_in = Bytes(compressed);
  zs_.avail_in = static_cast<uInt>(compressed.size());
  while (true) {
    char chunk[4096];
    zs_.next_out = reinterpret_cast<Bytef*>(chunk);
    zs_.avail_out = sizeof(chunk);
    int rc = inflate(&zs_, Z_SYNC_FLUSH);
    if (rc == Z_NEED_DICT) {
      const std::string_view dictionary = SpdyHeaderDictionary();
      rc = inflateSetDictionary(&zs_, Bytes(dictionary), static_cast<uInt>(dictionary.size()));
      if (rc == Z_OK) continue;
    }
    block.append(chunk, sizeof(chunk) - zs_.avail_out);
    if (rc == Z_STREAM_END) rc = Z_DATA_ERROR;  // the stream must outlive the connection
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      ready_ = false;
      return absl::InvalidArgumentError(
          absl::StrCat("header block: inflate: ", zs_.msg ? zs_.msg : "error ", zs_.msg ? "" : std::to_string(rc)));
    }
    if (block.size() > max_block_bytes_) {
      ready_ = false;
      return absl::InvalidArgumentError(absl::StrCat("header block: inflates past ", max_block_bytes_, " bytes"));
    }
    // Done once every input byte is in and inflate had room to spare.
    if (zs_.avail_in == 0 && zs_.avail_out != 0) break;
  }
  return DecodeHeaderBlock(block);
}

}  // namespace berth::cri::streaming
