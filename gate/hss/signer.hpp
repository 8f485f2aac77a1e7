#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// SDK-HMAC-SHA256 request signing, as Huawei Cloud's SDKs do it for AK/SK credentials.
namespace gate::hss {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct SignInput {
  std::string method;  // "GET"
  std::string host;    // host[:port], as sent in the Host header
  std::string path;    // the path as sent, each segment percent-encoded (encoded_path in transport.hpp)
  Pairs query;         // unencoded; a repeated key appears once per value
  Pairs headers;       // headers to sign besides Host and X-Sdk-Date, with their sent spelling
  std::string body;
};

struct SignOutput {
  std::string sdk_date;          // the X-Sdk-Date header's value
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;     // the Authorization header's value
};

// Signs with the secret key; `sdk_date` is X-Sdk-Date (YYYYMMDDTHHMMSSZ) unless `headers`
// already hold one.
SignOutput sign_request(const SignInput& input, const std::string& access_key, const std::string& secret_key,
                        const std::string& sdk_date);

// YYYYMMDDTHHMMSSZ in UTC.
std::string sdk_date_of(std::chrono::system_clock::time_point time);

// Percent-encodes all but A-Z a-z 0-9 - _ . ~ with upper-case hex.
std::string percent_encode(std::string_view text);

// Parameters sorted by key (then value), each key=value percent-encoded, joined by '&'. Also the
// query string sent on the wire, so that what is signed is exactly what is sent.
std::string canonical_query(const Pairs& query);

// The encoded path as sent, with '/' appended for signing: what is signed is what is sent, so a
// path parameter's %2F is signed as %2F.
std::string canonical_uri(std::string_view encoded_path);

// Lower-case hex of SHA-256.
std::string sha256_hex(std::string_view data);

} // namespace gate::hss
