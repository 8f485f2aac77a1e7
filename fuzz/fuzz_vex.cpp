// Fuzzes the VEX reader (--vex): any bytes either read as a document whose statements keep the
// invariants the evaluator relies on, or are refused with a UsageError; nothing else escapes.
#include "gate/error.hpp"
#include "gate/vex/vex.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

bool is_digest(const std::string& digest) {
  std::size_t colon = digest.find(':');
  if (colon == std::string::npos) return false;
  std::string_view algorithm = std::string_view(digest).substr(0, colon);
  std::string_view hex = std::string_view(digest).substr(colon + 1);
  std::size_t length = algorithm == "sha256" ? 64 : algorithm == "sha512" ? 128 : 0;
  if (length == 0 || hex.size() != length) return false;
  return hex.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    gate::vex::Document document = gate::vex::parse_document("fuzz.json", text);
    for (const auto& statement : document.statements) {
      // A statement kept waives something: it names a vulnerability and a product by digest.
      if (statement.vulnerabilities.empty() || statement.vulnerabilities.front().empty()) std::abort();
      if (statement.products.empty()) std::abort();
      for (const auto& product : statement.products) {
        if (!is_digest(product.image_digest)) std::abort();
        for (const auto& component : product.components) {
          if (component.name.empty()) std::abort();
        }
      }
    }
  } catch (const gate::UsageError&) {
  }
  return 0;
}
