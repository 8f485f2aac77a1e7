#pragma once

#include <string>
#include <string_view>

// How a URL someone wrote is echoed: never its user information or query, where a password or a
// token may sit. One masking for the HSS endpoint and for policy bases named by URL.
namespace gate::text {

enum class UrlPath {
  masked, // an endpoint has no path: any path, query or fragment is shown as "/***"
  shown,  // a file's URL: its path is what tells one base from another; query and fragment masked
};

// "https://***@host:8443/***" or "https://***@host/org/base.toml?***#***": user information
// becomes "***@", and the query and the fragment "?***" and "#***" (or the whole rest "/***").
std::string masked_url(std::string_view url, UrlPath path);

} // namespace gate::text
