#include "gate/report/report.hpp"
#include "gate/report/text.hpp"

#include "gate/policy/fields.hpp"
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
  explicit JunitWriter(std::ostream& out) : m_writer(out, XMLWriter::WRITE_XML_DECLARATION | XMLWriter::PRETTY_PRINT) {
    m_writer.setNewLine("\n");
    m_writer.setIndent("  ");
  }

  void write(const Outcome& outcome) {
    int tests = 0, failures = 0, errors = 0;
    for (const auto& image : outcome.images) {
      if (image.decision == Decision::error) {
        ++tests;
        ++errors;
        continue;
      }
      tests += static_cast<int>(image.results.size());
      failures += count_statuses(image).failed;
    }
    if (!outcome.expiry_warnings.empty()) ++tests;
    m_writer.startDocument();
    start("testsuites", {{"name", "hss-gate"},
                         {"tests", std::to_string(tests)},
                         {"failures", std::to_string(failures)},
                         {"errors", std::to_string(errors)}});
    for (const auto& image : outcome.images) {
      if (image.decision == Decision::error) {
        write_error_suite(image, outcome);
      } else {
        write_suite(image, outcome);
      }
    }
    if (!outcome.expiry_warnings.empty()) write_expiry_suite(outcome);
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

  void write_error_suite(const ImageResult& image, const Outcome& outcome) {
    std::string name = fmt::format("hss-gate {}", image.suite_label());
    std::string message = image.errors.empty() ? "hss-gate could not reach a verdict" : image.errors.front();
    start("testsuite", {{"name", name}, {"tests", "1"}, {"failures", "0"}, {"errors", "1"}, {"skipped", "0"}});
    write_properties(image, outcome);
    start("testcase", {{"name", "hss-lookup"}, {"classname", name}});
    element("error", {{"message", message}, {"type", "service-error"}},
            fmt::format("{}\n\nNo verdict: the image's scan result could not be read from HSS.",
                        fmt::join(image.errors, "\n")));
    end("testcase");
    end("testsuite");
  }

  void write_suite(const ImageResult& image, const Outcome& outcome) {
    StatusCounts counts = count_statuses(image);
    // GitLab identifies a test by suite, class and name: none holds the version or the digest
    // (they are properties), so that one failing rule is the same test in every pipeline.
    std::string name = fmt::format("hss-gate {}", image.suite_label());
    start("testsuite", {{"name", name},
                        {"tests", std::to_string(image.results.size())},
                        {"failures", std::to_string(counts.failed)},
                        {"errors", "0"},
                        {"skipped", std::to_string(counts.warned + counts.waived + counts.not_applicable)}});
    write_properties(image, outcome);
    for (const auto& result : image.results) write_case(image, result, name);
    end("testsuite");
  }

  // The policy's exceptions that expired or expire soon: one skipped test of the run, apart from
  // the images, so that it shows in GitLab's test report without failing it.
  void write_expiry_suite(const Outcome& outcome) {
    std::string name = "hss-gate exceptions";
    std::size_t count = outcome.expiry_warnings.size();
    start("testsuite", {{"name", name}, {"tests", "1"}, {"failures", "0"}, {"errors", "0"}, {"skipped", "1"}});
    start("testcase", {{"name", "exception expiry"}, {"classname", name}});
    std::string message = fmt::format("{} exception{} expired or expiring: {}", count, count == 1 ? "" : "s",
                                      fmt::join(outcome.expiry_warnings, "; "));
    element("skipped", {{"type", "warning"}, {"message", message}}, fmt::format("{}", fmt::join(outcome.expiry_warnings, "\n")));
    end("testcase");
    end("testsuite");
  }

  void write_properties(const ImageResult& image, const Outcome& outcome) {
    start("properties", {});
    auto property = [&](std::string_view name, const std::string& value) {
      empty("property", {{std::string("name"), std::string(name)}, {"value", value}});
    };
    property("decision", std::string(name_of(image.decision)));
    property("found", image.record ? "true" : "false");
    if (outcome.clock_pinned) property("clock_pinned", units::format_date_time(*outcome.clock_pinned));
    const hss::Query& query = image.query;
    if (!image.record) {
      property("cicd_name", query.cicd_name);
      property("namespace", query.namespace_name.value_or(""));
      property("image_name", query.image_name.value_or(""));
      property("image_version", query.image_version);
      if (query.image_digest) property("image_digest", *query.image_digest);
      if (query.image_type) property("image_type", *query.image_type);
      if (query.instance_id) property("instance_id", *query.instance_id);
    } else {
      property("image_id", image.record->image_id);
      // Every field a rule may test, as the registry names and shows it.
      for (const auto& field : fields()) {
        Value value = field.read(*image.record);
        const auto* number = std::get_if<std::int64_t>(&value);
        bool stamp = field.kind == FieldKind::timestamp;
        property(field.name, number && stamp ? show_number(field, *number) : to_text(value));
      }
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
    if (result.findings_kind) {
      auto counted = counted_findings(result);
      body += fmt::format("\nfindings counted ({}):", counted.size());
      for (const auto* finding : counted) body += "\n" + finding_line(*finding);
    }
    switch (result.status) {
    case RuleStatus::fail:
      if (!result.exception_hint.empty()) body += fmt::format("\nto waive: {}", waiver_hint(image, result));
      if (!result.hint.empty()) body += fmt::format("\nto check: {}", fmt::join(result.hint, "\n- "));
      element("failure", {{"message", result.detail}, {"type", result.field}}, body);
      break;
    case RuleStatus::warn: {
      // Skipped, so that GitLab's test report shows it without failing the count; the type and
      // the message tell it apart from a waiver.
      std::string message = fmt::format("WARNING (does not block): {}", result.detail);
      if (!result.hint.empty()) body += fmt::format("\nto check: {}", fmt::join(result.hint, "\n- "));
      element("skipped", {{"type", "warning"}, {"message", message}}, fmt::format("{}\n{}", message, body));
      break;
    }
    case RuleStatus::excepted: {
      const Waiver& waiver = *result.waiver;
      std::string message = fmt::format("WAIVED {}", waiver_text(waiver));
      if (result.waived_by == WaivedBy::vex) message += " (waived by VEX)";
      element("skipped", {{"type", "waived"}, {"message", message}}, fmt::format("{}\n{}", message, body));
      break;
    }
    case RuleStatus::not_applicable:
      empty("skipped", {{"type", "not_applicable"}, {"message", result.detail}});
      break;
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
