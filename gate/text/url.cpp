#include "gate/text/url.hpp"

namespace gate::text {

std::string masked_url(std::string_view url, UrlPath path) {
  auto scheme_end = url.find("://");
  std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, authority_end == std::string_view::npos ? std::string_view::npos
                                                                                         : authority_end - start);
  std::string out(url.substr(0, start));
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    out += "***@";
    authority.remove_prefix(at + 1);
  }
  out += authority;
  if (authority_end == std::string_view::npos) return out;
  std::string_view rest = url.substr(authority_end);
  if (path == UrlPath::masked) {
    if (rest.size() > 1) out += "/***";
    return out;
  }
  auto path_end = rest.find_first_of("?#");
  out += rest.substr(0, path_end);
  if (path_end == std::string_view::npos) return out;
  auto fragment = rest.find('#');
  if (rest[path_end] == '?') out += "?***";
  if (fragment != std::string_view::npos) out += "#***";
  return out;
}

} // namespace gate::text
