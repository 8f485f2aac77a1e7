#include "gate/vex/purl.hpp"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>

namespace gate::vex {

namespace {

std::optional<std::string> decoded(std::string_view text) {
  std::string out;
  try {
    Poco::URI::decode(std::string(text), out);
  } catch (const Poco::Exception&) {
    return std::nullopt; // a broken escape
  }
  return out;
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

} // namespace

std::optional<Purl> parse_purl(std::string_view text) {
  if (text.size() < 4 || Poco::icompare(std::string(text.substr(0, 4)), "pkg:") != 0) return std::nullopt;
  std::string_view rest = text.substr(4);
  std::size_t hash = rest.find('#');
  bool subpath = hash != std::string_view::npos && rest.find_first_not_of('/', hash + 1) != std::string_view::npos;
  rest = rest.substr(0, hash);
  rest = rest.substr(0, rest.find('?'));
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  Purl purl;
  purl.type = Poco::toLower(std::string(rest.substr(0, slash)));
  std::string_view path = rest.substr(slash + 1);
  std::optional<std::string> version;
  std::size_t at = path.rfind('@');
  if (at != std::string_view::npos) {
    version = decoded(path.substr(at + 1));
    if (!version || version->empty()) return std::nullopt;
    path = path.substr(0, at);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::size_t last = path.rfind('/');
  purl.has_namespace = last != std::string_view::npos;
  purl.has_subpath = subpath;
  auto name = decoded(last == std::string_view::npos ? path : path.substr(last + 1));
  if (!name || name->empty()) return std::nullopt;
  purl.name = std::move(*name);
  purl.version = std::move(version);
  return purl;
}

std::optional<std::string> oci_digest(const Purl& purl) {
  if (purl.type != "oci" || !purl.version || purl.has_namespace || purl.has_subpath) return std::nullopt;
  std::string digest = Poco::toLower(*purl.version);
  std::size_t colon = digest.find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string_view algorithm = std::string_view(digest).substr(0, colon);
  std::string_view hex = std::string_view(digest).substr(colon + 1);
  std::size_t length = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  if (length == 0 || hex.size() != length || !is_hex(hex)) return std::nullopt;
  return digest;
}

} // namespace gate::vex
