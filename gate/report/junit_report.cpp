#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/units/units.hpp"

#include <Poco/SAX/AttributesImpl.h>
#include <Poco/XML/XMLWriter.h>
#include <fmt/format.h>

#include <sstream>

namespace gate::report {

namespace {

using namespace gate::policy;
using Poco::XML::AttributesImpl;
using Poco::XML::XMLWriter;

class JunitWriter {
public:
  explicit JunitWriter(std::ostream& out)
    : m_writer(out, XMLWriter::WRITE_XML_DECLARATION | XMLWriter::PRETTY_PRINT) {
    m_writer.setNewLine("\n");
    m_writer.setIndent("  ");
  }

  void write(const Outcome& outcome) {
    int tests = 0, failures = 0, errors = 0;
    for (const auto& image : outcome.images) {
      for (const auto& result : image.results) {
        ++tests;
        if (result.status == RuleStatus::fail) ++failures;
      }
    }
    if (outcome.decision == Decision::error) {
      ++tests;
      ++errors;
    }
    m_writer.startDocument();
    start("testsuites", {{"name", "hss-gate"},
                         {"tests", std::to_string(tests)},
                         {"failures", std::to_string(failures)},
                         {"errors", std::to_string(errors)}});
    if (outcome.decision == Decision::error) write_error_suite(outcome);
    for (const auto& image : outcome.images) write_suite(image, outcome.query);
    end("testsuites");
    m_writer.endDocument();
  }

private:
  using Attributes = std::vector<std::pair<std::string, std::string>>;

  void start(const std::string& name, const Attributes& attributes) {
    AttributesImpl attrs;
    for (const auto& [key, value] : attributes) attrs.addAttribute("", "", key, "CDATA", clean_text(value));
    m_writer.startElement("", "", name, attrs);
  }
  void end(const std::string& name) { m_writer.endElement("", "", name); }
  void empty(const std::string& name, const Attributes& attributes) {
    start(name, attributes);
    end(name);
  }
  void text(const std::string& content) {
    std::string clean = clean_text(content);
    m_writer.characters(clean.data(), 0, static_cast<int>(clean.size()));
  }
  void element(const std::string& name, const Attributes& attributes, const std::string& content) {
    start(name, attributes);
    text(content);
    end(name);
  }

  void write_error_suite(const Outcome& outcome) {
    std::string name = fmt::format("hss-gate {}", describe_query(outcome.query));
    std::string message = outcome.errors.empty() ? "hss-gate could not reach a verdict" : outcome.errors.front();
    start("testsuite", {{"name", name}, {"tests", "1"}, {"failures", "0"}, {"errors", "1"}, {"skipped", "0"}});
    start("testcase", {{"name", "hss-lookup"}, {"classname", name}});
    element("error", {{"message", message}, {"type", "service-error"}},
            fmt::format("{}\n\nNo verdict: the image's scan result could not be read from HSS.", fmt::join(outcome.errors, "\n")));
    end("testcase");
    end("testsuite");
  }

  void write_suite(const ImageResult& image, const hss::Query& query) {
    int failures = 0, skipped = 0;
    for (const auto& result : image.results) {
      if (result.status == RuleStatus::fail) ++failures;
      if (result.status == RuleStatus::excepted || result.status == RuleStatus::not_applicable) ++skipped;
    }
    std::string name = image.found ? fmt::format("hss-gate {}", describe_image(image))
                                   : fmt::format("hss-gate {}", describe_query(query));
    start("testsuite", {{"name", name},
                        {"tests", std::to_string(image.results.size())},
                        {"failures", std::to_string(failures)},
                        {"errors", "0"},
                        {"skipped", std::to_string(skipped)}});
    write_properties(image);
    for (const auto& result : image.results) write_case(image, result, name);
    end("testsuite");
  }

  void write_properties(const ImageResult& image) {
    const hss::Record& r = image.record;
    start("properties", {});
    auto property = [&](const std::string& name, const std::string& value) {
      empty("property", {{"name", name}, {"value", value}});
    };
    auto number = [](const std::optional<std::int64_t>& value) { return value ? std::to_string(*value) : std::string(); };
    auto time = [](const std::optional<std::int64_t>& ms) {
      if (!ms) return std::string();
      return units::format_date_time(std::chrono::sys_seconds{std::chrono::seconds(*ms / 1000)});
    };
    property("decision", std::string(name_of(image.decision)));
    property("found", image.found ? "true" : "false");
    property("cicd_name", r.cicd_name);
    property("namespace", r.namespace_name);
    property("image_name", r.image_name);
    property("image_version", r.image_version);
    if (image.found) {
      property("image_id", r.image_id);
      property("image_digest", r.image_digest);
      property("registry_name", r.registry_name);
      property("scan_status", r.scan_status);
      property("latest_scan_time", time(r.latest_scan_time));
      property("latest_update_time", time(r.latest_update_time));
      property("severity_level", r.severity_level);
      property("vul_num", number(r.vul_num));
      property("malicious_file_num", number(r.malicious_file_num));
      property("unsafe_setting_num", number(r.unsafe_setting_num));
      property("image_size", number(r.image_size));
    }
    end("properties");
  }

  void write_case(const ImageResult& image, const RuleResult& result, const std::string& suite) {
    start("testcase", {{"name", result.rule}, {"classname", suite}});
    std::string body = fmt::format("rule: {}\nfield: {}\nactual: {}\nlimit: {}{}\nlevel: {}\n{}", result.rule,
                                   result.field, to_text(result.actual), result.op.empty() ? "" : result.op + " ",
                                   to_text(result.limit), name_of(result.level), result.detail);
    if (!result.message.empty()) body += fmt::format("\nremediation: {}", result.message);
    if (!result.source.empty()) body += fmt::format("\ndefined in: {}", result.source);
    switch (result.status) {
    case RuleStatus::fail:
      element("failure", {{"message", result.detail}, {"type", result.field}},
              fmt::format("{}\nto waive: {}", body, waiver_hint(image, result)));
      break;
    case RuleStatus::warn:
      element("system-out", {}, fmt::format("WARNING (level warn, does not block): {}\n{}", result.detail, body));
      break;
    case RuleStatus::excepted: {
      const Waiver& waiver = *result.waiver;
      std::string message = fmt::format("waived until {} by the exception at {}: {}{}", waiver.expires, waiver.source,
                                        waiver.reason, waiver.owner.empty() ? "" : " (owner " + waiver.owner + ")");
      element("skipped", {{"message", message}}, fmt::format("{}\n{}", message, body));
      break;
    }
    case RuleStatus::not_applicable: empty("skipped", {{"message", result.detail}}); break;
    case RuleStatus::pass:
      if (!result.detail.empty()) element("system-out", {}, result.detail);
      break;
    }
    end("testcase");
  }

  XMLWriter m_writer;
};

} // namespace

std::string render_junit(const Outcome& outcome) {
  std::ostringstream out;
  JunitWriter(out).write(outcome);
  std::string xml = out.str();
  if (xml.empty() || xml.back() != '\n') xml += '\n';
  return xml;
}

} // namespace gate::report
