#include "gate/hss/signer.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace gate::hss {

namespace {

// Poco 1.11's SHA2Engine lacks the block and digest sizes that HMACEngine reads.
class Sha256Engine : public Poco::SHA2Engine {
public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(SHA_256) {}
};

constexpr std::string_view k_algorithm = "SDK-HMAC-SHA256";

} // namespace

std::string percent_encode(std::string_view text) {
  // Poco escapes controls, non-ASCII and its own illegal set; naming every other sub-delimiter
  // as reserved leaves only the unreserved characters unescaped.
  std::string encoded;
  Poco::URI::encode(std::string(text), "!#$&'()*+,/:;=?@[]", encoded);
  return encoded;
}

std::string canonical_query(const Pairs& query) {
  Pairs sorted = query;
  std::stable_sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& [key, value] : sorted) {
    if (!out.empty()) out += '&';
    out += percent_encode(key) + "=" + percent_encode(value);
  }
  return out;
}

std::string canonical_uri(std::string_view encoded_path) {
  std::string out(encoded_path);
  if (out.empty() || out.back() != '/') out += '/';
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256Engine engine;
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string sdk_date_of(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

SignOutput sign_request(const SignInput& input, const std::string& access_key, const std::string& secret_key,
                        const std::string& sdk_date) {
  SignOutput output;
  output.sdk_date = sdk_date;
  std::vector<std::pair<std::string, std::string>> headers; // lower-case name, value
  bool unsigned_payload = false;
  for (const auto& [name, value] : input.headers) {
    std::string lower = Poco::toLower(name);
    if (lower == "x-sdk-date") output.sdk_date = value;
    if (lower == "x-sdk-content-sha256" && value == "UNSIGNED-PAYLOAD") unsigned_payload = true;
    if (lower != "x-sdk-date" && lower != "host") headers.emplace_back(lower, value);
  }
  headers.emplace_back("host", input.host);
  headers.emplace_back("x-sdk-date", output.sdk_date);
  std::sort(headers.begin(), headers.end());

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  output.canonical_request = fmt::format("{}\n{}\n{}\n{}\n{}\n{}", input.method, canonical_uri(input.path),
                                         canonical_query(input.query), canonical_headers, signed_headers,
                                         unsigned_payload ? "UNSIGNED-PAYLOAD" : sha256_hex(input.body));
  output.string_to_sign = fmt::format("{}\n{}\n{}", k_algorithm, output.sdk_date, sha256_hex(output.canonical_request));

  Poco::HMACEngine<Sha256Engine> hmac(secret_key);
  hmac.update(output.string_to_sign);
  output.authorization = fmt::format("{} Access={}, SignedHeaders={}, Signature={}", k_algorithm, access_key,
                                     signed_headers, Poco::DigestEngine::digestToHex(hmac.digest()));
  return output;
}

} // namespace gate::hss
