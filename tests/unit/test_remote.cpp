// Policy bases named by a pinned URL: the pin, the digest check, the cache (where it is, what a
// damaged entry does), the bundle's copies, the URL rules of the client, and the loader's use.
#include "gate/cli/options.hpp"
#include "gate/config/config.hpp"
#include "gate/config/paths.hpp"
#include "gate/error.hpp"
#include "gate/hss/bundle.hpp"
#include "gate/hss/retry.hpp"
#include "gate/hss/signer.hpp"
#include "gate/hss/transport.hpp"
#include "gate/policy/loader.hpp"
#include "gate/remote/remote_bases.hpp"
#include "gate/text/url.hpp"

#include "helpers.hpp"

#include <boost/test/unit_test.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace gate;
namespace fs = std::filesystem;

namespace {

const std::string k_base = "version = 1\n[rules.vulns]\nfield = \"vul_num\"\nmax = 5\n";
const std::string k_url = "https://example.org/org.toml";

policy::PinnedBase pin(const std::string& text, const std::string& url = k_url) {
  return {url, hss::sha256_hex(text)};
}

// Serves fixed bodies by URL and counts what was asked; throws ServiceError for a URL it lacks.
class FakeFetcher : public hss::UrlFetcher {
public:
  explicit FakeFetcher(std::map<std::string, std::string>& files, int& calls) : m_files(files), m_calls(calls) {}
  std::string get(const std::string& url, std::size_t max_bytes) override {
    ++m_calls;
    BOOST_TEST(max_bytes == remote::k_max_base_size);
    auto found = m_files.find(url);
    if (found == m_files.end()) throw ServiceError("404 Not Found", ServiceCause::http_status, 404);
    return found->second;
  }

private:
  std::map<std::string, std::string>& m_files;
  int& m_calls;
};

// A reader over a cache folder, a fake network and optional saved copies.
struct Bases {
  std::map<std::string, std::string> files;
  int calls = 0;
  int fetchers_made = 0;
  std::vector<std::string> warnings;
  remote::RemoteBases reader;

  explicit Bases(std::optional<std::string> folder, std::vector<hss::SavedPolicyBase> saved = {})
    : reader(folder ? std::optional<remote::PolicyCache>(remote::PolicyCache(*folder)) : std::nullopt,
             [this] {
               ++fetchers_made;
               return std::make_unique<FakeFetcher>(files, calls);
             },
             saved.empty() ? remote::RemoteBases::SavedBases{}
                           : remote::RemoteBases::SavedBases([saved] { return saved; }),
             [this](const std::string& warning) { warnings.push_back(warning); }) {}
};

config::Environment env_of(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

void write_at(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

unsigned mode_of(const std::string& path) {
  struct stat status {};
  ::stat(path.c_str(), &status);
  return status.st_mode & 0777;
}

} // namespace

namespace gate::remote {
inline std::ostream& operator<<(std::ostream& out, BaseSource source) { return out << name_of(source); }
} // namespace gate::remote

BOOST_AUTO_TEST_SUITE(remote_bases)

BOOST_AUTO_TEST_CASE(the_bytes_fetched_must_hash_to_the_pin_and_a_mismatch_names_both_digests) {
  test::TempDir dir;
  for (const std::string& served : {k_base + "# changed\n", std::string("version = 1\n"), std::string()}) {
    Bases bases(dir.path("cache"));
    bases.files[k_url] = served;
    auto base = pin(k_base);
    std::string error = test::error_of([&] { bases.reader.read(base); });
    BOOST_TEST(error.find("the file fetched has SHA-256 " + hss::sha256_hex(served) + ", but the policy pins " +
                          base.sha256) != std::string::npos,
               error);
    BOOST_TEST(!fs::exists(remote::PolicyCache(dir.path("cache")).entry(base.sha256)));
    BOOST_TEST(bases.reader.bases_read().empty());
  }
  Bases bases(dir.path("cache"));
  bases.files[k_url] = k_base;
  BOOST_TEST(bases.reader.read(pin(k_base)) == k_base);
  BOOST_TEST(bases.reader.bases_read().size() == 1u);
  BOOST_TEST(bases.reader.bases_read()[0].source == remote::BaseSource::network);
}

BOOST_AUTO_TEST_CASE(a_cache_hit_never_makes_a_fetcher_and_a_miss_stores_privately_and_atomically) {
  test::TempDir dir;
  std::string folder = dir.path("deep/er/cache");
  {
    Bases first(folder);
    first.files[k_url] = k_base;
    BOOST_TEST(first.reader.read(pin(k_base)) == k_base);
    BOOST_TEST(first.calls == 1);
  }
  remote::PolicyCache cache(folder);
  std::string entry = cache.entry(hss::sha256_hex(k_base));
  BOOST_TEST(test::read_file(entry) == k_base);
  BOOST_TEST(mode_of(folder) == 0700u);
  BOOST_TEST(mode_of(dir.path("deep")) == 0700u);
  BOOST_TEST(mode_of(entry) == 0600u);
  std::size_t files = 0;
  for (const auto& item : fs::directory_iterator(fs::path(entry).parent_path())) files += item.is_regular_file();
  BOOST_TEST(files == 1u); // no temporary file left behind
  for (const std::string& url : {k_url, std::string("https://mirror.example/elsewhere.toml")}) {
    Bases again(folder); // no file on the network: the cache answers for the digest, whatever the URL
    BOOST_TEST(again.reader.read(pin(k_base, url)) == k_base);
    BOOST_TEST(again.fetchers_made == 0);
    BOOST_TEST(again.reader.bases_read()[0].source == remote::BaseSource::cache);
  }
}

BOOST_AUTO_TEST_CASE(a_damaged_cache_entry_is_fetched_again_or_refused_naming_it) {
  test::TempDir dir;
  std::string folder = dir.path("cache");
  remote::PolicyCache cache(folder);
  std::string entry = cache.entry(hss::sha256_hex(k_base));
  auto damage = [&](const std::function<void()>& how) {
    fs::remove_all(entry);
    fs::create_directories(fs::path(entry).parent_path());
    how();
  };
  const std::vector<std::pair<std::function<void()>, std::string>> damages{
      {[&] { write_at(entry, "version = 1\n"); }, "has SHA-256 " + hss::sha256_hex("version = 1\n")},
      {[&] { write_at(entry, std::string(remote::k_max_base_size + 1, '#')); }, "is larger than 1 MiB"},
      {[&] { fs::create_directory(entry); }, "is not a regular file"},
      {[&] { fs::create_symlink(dir.write("elsewhere.toml", k_base), entry); }, "is not a regular file"},
  };
  for (const auto& [how, said] : damages) {
    damage(how);
    BOOST_TEST(cache.find(hss::sha256_hex(k_base)).damage.value_or("") == said);
    BOOST_TEST(!cache.find(hss::sha256_hex(k_base)).content);
    // The URL still serves it: fetched again, and the entry repaired (a folder cannot be replaced).
    Bases bases(folder);
    bases.files[k_url] = k_base;
    BOOST_TEST(bases.reader.read(pin(k_base)) == k_base);
    BOOST_TEST(bases.calls == 1);
    if (!fs::is_directory(entry)) BOOST_TEST(test::read_file(entry) == k_base);
    // It cannot be fetched: refused, naming the entry and what is wrong with it.
    damage(how);
    Bases offline(folder);
    std::string error = test::error_of([&] { offline.reader.read(pin(k_base)); });
    BOOST_TEST(error.find("the cached copy " + entry + " " + said + ", and the URL cannot be fetched to replace it: "
                          "404 Not Found") != std::string::npos,
               error);
  }
}

BOOST_AUTO_TEST_CASE(a_store_that_fails_warns_and_the_verified_bytes_are_still_used) {
  test::TempDir dir;
  std::string blocker = dir.write("not-a-folder", "x");
  for (const std::string& folder : {blocker, blocker + "/below"}) {
    Bases bases(folder);
    bases.files[k_url] = k_base;
    BOOST_TEST(bases.reader.read(pin(k_base)) == k_base);
    BOOST_TEST(bases.warnings.size() == 1u);
    BOOST_TEST(bases.warnings.front().find("policy cache " + folder) != std::string::npos, bases.warnings.front());
  }
  Bases nowhere(std::nullopt); // no cache folder known: fetched every time
  nowhere.files[k_url] = k_base;
  nowhere.reader.read(pin(k_base));
  nowhere.reader.read(pin(k_base));
  BOOST_TEST(nowhere.calls == 2);
}

BOOST_AUTO_TEST_CASE(a_bundle_copy_comes_first_and_a_damaged_one_is_refused) {
  test::TempDir dir;
  auto base = pin(k_base);
  Bases bases(dir.path("cache"), {{"https://other.example/x", hss::sha256_hex("x"), "x"}, {k_url, base.sha256, k_base}});
  BOOST_TEST(bases.reader.read(base) == k_base);
  BOOST_TEST(bases.fetchers_made == 0);
  BOOST_TEST(bases.reader.bases_read()[0].source == remote::BaseSource::bundle);
  auto saved = bases.reader.saved_bases();
  BOOST_TEST(saved.size() == 1u);
  BOOST_TEST(saved[0].content == k_base);
  for (const std::string& text : {k_base + "\n", std::string()}) {
    Bases damaged(dir.path("cache"), {{k_url, base.sha256, text}});
    std::string error = test::error_of([&] { damaged.reader.read(base); });
    BOOST_TEST(error.find("the bundle's copy has SHA-256 " + hss::sha256_hex(text) + ", not the pinned " + base.sha256) !=
                   std::string::npos,
               error);
  }
}

BOOST_AUTO_TEST_CASE(a_saved_base_never_keeps_user_information_or_a_query) {
  test::TempDir dir;
  for (const std::string& url : {std::string("https://user:pw-SECRET@example.org/org.toml"),
                                std::string("https://example.org/org.toml?private_token=SECRET&ref=main")}) {
    Bases bases(std::nullopt, {{k_url, hss::sha256_hex(k_base), k_base}});
    try {
      bases.reader.read(pin(k_base, url));
    } catch (const UsageError& e) {
      BOOST_TEST(std::string(e.what()).find("SECRET") == std::string::npos, e.what()); // userinfo: refused, unshown
      continue;
    }
    auto saved = bases.reader.saved_bases();
    BOOST_TEST(saved.at(0).url == "https://example.org/org.toml?***");
  }
}

BOOST_AUTO_TEST_CASE(the_cache_folder_is_the_variable_else_xdg_else_home) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::optional<std::string>>> cases{
      {{{"HSS_GATE_CACHE_DIR", "/c"}, {"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}}, "/c"},
      {{{"HSS_GATE_CACHE_DIR", "rel/c"}}, "rel/c"},
      {{{"XDG_CACHE_HOME", "/x"}, {"HOME", "/h"}}, "/x/hss-gate"},
      {{{"XDG_CACHE_HOME", "x"}, {"HOME", "/h"}}, "/h/.cache/hss-gate"}, // a relative XDG_CACHE_HOME is invalid
      {{{"HOME", "/h"}}, "/h/.cache/hss-gate"},
      {{}, std::nullopt},
  };
  for (const auto& [variables, expected] : cases) {
    BOOST_TEST(config::policy_cache_folder(env_of(variables)) == expected);
  }
  auto entry = remote::PolicyCache("/c").entry(std::string(64, 'a'));
  BOOST_TEST(entry == "/c/policies/" + std::string(64, 'a') + ".toml");
}

BOOST_AUTO_TEST_CASE(urls_are_masked_and_sent_as_written) {
  BOOST_TEST(text::masked_url("https://u:p@h:8443/a/b.toml?t=1#f", text::UrlPath::shown) == "https://***@h:8443/a/b.toml?***#***");
  BOOST_TEST(text::masked_url("https://h/a%2Fb.toml", text::UrlPath::shown) == "https://h/a%2Fb.toml");
  BOOST_TEST(text::masked_url("https://u:p@h/x?t=1", text::UrlPath::masked) == "https://***@h/***");
  BOOST_TEST(text::masked_url("https://h/", text::UrlPath::masked) == "https://h");

  auto url = hss::parse_fetch_url("https://gitlab.example:8443/api/v4/projects/org%2Fpolicy/repository/files/"
                                  "org.toml/raw?ref=main#sha256=ab");
  BOOST_TEST(url.origin.str() == "https://gitlab.example:8443");
  BOOST_TEST(url.target == "/api/v4/projects/org%2Fpolicy/repository/files/org.toml/raw?ref=main");
  BOOST_TEST(hss::parse_fetch_url("http://127.0.0.1:8080").target == "/");
  BOOST_TEST(hss::parse_fetch_url("https://h?x=1").target == "/?x=1");
  const std::vector<std::pair<std::string, std::string>> refused{
      {"http://example.org/org.toml", "plain HTTP is allowed only to a loopback host"},
      {"https://user:SECRET@example.org/org.toml", "must not carry credentials"},
      {"https://example.org/a b.toml?t=SECRET", "percent-encoded"},
      {"https://example.org/a\\b.toml", "percent-encoded"},
      {"https://example.org/caf\xc3\xa9.toml", "percent-encoded"},
      {"https://example.org/a\r\nX-Injected: 1", "percent-encoded"},
      {"ftp://example.org/x", "expected an https:// URL"},
      {"https:///x", "expected an https:// URL"},
  };
  for (const auto& [text, said] : refused) {
    // A lambda may not capture a structured binding before C++20 (clang refuses it): a copy.
    const std::string refused_url = text;
    std::string error = test::error_of([&] { hss::parse_fetch_url(refused_url); });
    BOOST_TEST(error.find(said) != std::string::npos, text << ": " << error);
    BOOST_TEST(error.find("SECRET") == std::string::npos, error);
  }
}

BOOST_AUTO_TEST_CASE(the_loader_reads_url_bases_through_the_reader_once_per_digest) {
  test::TempDir dir;
  std::string inner = "version = 1\n[rules.inner]\nfield = \"vul_num\"\nmax = 7\n";
  std::string inner_url = fmt::format("https://example.org/inner.toml#sha256={}", hss::sha256_hex(inner));
  std::string outer = fmt::format("version = 1\nextends = [\"{}\"]\n", inner_url);
  std::string outer_url = fmt::format("https://example.org/outer.toml#sha256={}", hss::sha256_hex(outer));
  Bases bases(dir.path("cache"));
  bases.files["https://example.org/inner.toml"] = inner;
  bases.files["https://example.org/outer.toml"] = outer;
  // The outer base twice, directly and through a second file: read and merged once.
  auto second = dir.write("second.toml", fmt::format("version = 1\nextends = [\"{}\"]\n", outer_url));
  auto repo = dir.write("repo.toml", fmt::format("version = 1\nextends = [\"{}\", \"second.toml\"]\n", outer_url));
  auto result = policy::load_policies({repo}, test::at("2026-11-27T12:00:00Z"), &bases.reader);
  BOOST_TEST(result.problems.empty(), (result.problems.empty() ? "" : result.problems.front().str()));
  BOOST_TEST(bases.calls == 2);
  BOOST_TEST(result.policy.url_bases.size() == 2u);
  BOOST_TEST(result.policy.local_files == (std::vector<std::string>{repo, second}), "local files");
  BOOST_TEST(result.policy.files.front() == inner_url);
  BOOST_TEST(result.policy.rules.at(0).source.str() == inner_url + ":2:8");

  // Without a reader, and with a reader that fails: a problem at the entry, never a throw.
  auto alone = policy::load_policies({repo}, test::at("2026-11-27T12:00:00Z"));
  BOOST_TEST(alone.problems.size() == 1u);
  BOOST_TEST(alone.problems.at(0).str().find(repo + ":2:11: extends " + outer_url + ": a base named by URL cannot "
                                             "be read here") == 0u,
             alone.problems.at(0).str());
  Bases failing(std::nullopt);
  auto failed = policy::load_policies({repo}, test::at("2026-11-27T12:00:00Z"), &failing.reader);
  BOOST_TEST(failed.problems.size() == 1u);
  BOOST_TEST(failed.problems.at(0).str().find(repo + ":2:11: extends https://example.org/outer.toml: cannot fetch "
                                              "it: 404 Not Found") == 0u,
             failed.problems.at(0).str());
}

BOOST_AUTO_TEST_CASE(a_fetched_base_may_extend_only_pinned_urls) {
  for (const std::string& entry : {std::string("local.toml"), std::string("/etc/org.toml"), std::string("../x.toml")}) {
    std::string base = fmt::format("version = 1\nextends = [\"{}\"]\n", entry);
    Bases bases(std::nullopt);
    bases.files[k_url] = base;
    test::TempDir dir;
    dir.write("local.toml", "version = 1\n");
    auto repo = dir.write("repo.toml", fmt::format("version = 1\nextends = [\"{}#sha256={}\"]\n", k_url,
                                                   hss::sha256_hex(base)));
    auto result = policy::load_policies({repo}, test::at("2026-11-27T12:00:00Z"), &bases.reader);
    BOOST_TEST(result.problems.size() == 1u);
    BOOST_TEST(result.problems.at(0).message.find("extends \"" + entry + "\": a base fetched by URL may extend only "
                                                  "pinned URLs") == 0u,
               result.problems.at(0).message);
    BOOST_TEST(result.problems.at(0).where.file == k_url + "#sha256=" + hss::sha256_hex(base));
  }
}

BOOST_AUTO_TEST_CASE(a_pin_must_be_sha256_and_64_lower_case_hex_digits) {
  std::string digest = hss::sha256_hex(k_base);
  const std::vector<std::pair<std::string, std::string>> entries{
      {k_url, "not pinned"},
      {k_url + "#sha256=" + digest.substr(1), "its fragment is not a pin"},
      {k_url + "#sha256=" + digest + "0", "its fragment is not a pin"},
      {k_url + "#SHA256=" + digest, "its fragment is not a pin"},
      {k_url + "#sha256=" + std::string(64, 'A'), "its fragment is not a pin"},
      {k_url + "#sha512=" + digest, "its fragment is not a pin"},
      {"file:///etc/org.toml#sha256=" + digest, "expected a file path or an https:// URL"},
  };
  for (const auto& [entry, said] : entries) {
    auto result = policy::load_policy_text(fmt::format("version = 1\nextends = [\"{}\"]\n", entry), "p.toml",
                                           test::at("2026-11-27T12:00:00Z"));
    BOOST_TEST(result.problems.size() == 1u, entry);
    BOOST_TEST(result.problems.at(0).str().find(said) != std::string::npos, result.problems.at(0).str());
    BOOST_TEST(result.problems.at(0).str().find("p.toml:2:11: extends") == 0u, result.problems.at(0).str());
  }
}

BOOST_AUTO_TEST_CASE(bundles_keep_policy_bases_in_version_3_and_still_read_version_2) {
  test::TempDir dir;
  std::vector<hss::SavedPolicyBase> bases{{"https://example.org/org.toml?***", hss::sha256_hex(k_base), k_base}};
  auto v3 = dir.write("v3.json", hss::bundle_json({}, {}, "2026-11-27T12:00:00Z", bases));
  auto read = hss::read_bundle_file(v3);
  BOOST_TEST(read.policy_bases.size() == 1u);
  BOOST_TEST(read.policy_bases.at(0).url == bases[0].url);
  BOOST_TEST(read.policy_bases.at(0).content == k_base);
  auto v2 = dir.write("v2.json", hss::bundle_json({}, {}, "2026-11-27T12:00:00Z"));
  BOOST_TEST(test::read_file(v2).find("\"hss_gate_bundle\": 2") != std::string::npos, test::read_file(v2));
  BOOST_TEST(hss::read_bundle_file(v2).policy_bases.empty());
  const std::vector<std::pair<std::string, std::string>> broken{
      {R"("policy_bases": null)", "policy_bases: expected an array"},
      {R"("policy_bases": [{"url": "u", "sha256": "ab", "text": "t"}])", "policy_bases[0].sha256: expected 64"},
      {R"("policy_bases": [{"url": "u", "sha256": ")" + std::string(64, 'a') + R"("}])", "policy_bases[0].text: expected a string"},
      {R"("policy_bases": [7])", "policy_bases[0]: expected an object"},
  };
  for (const auto& [member, said] : broken) {
    auto file = dir.write("broken.json", R"({"hss_gate_bundle": 3, "fetched_at": "2026-11-27T12:00:00Z", )"
                                         R"("index": {"cicd_name": {}, "namespace/image_name": {}}, "exchanges": [], )" +
                                             member + "}");
    std::string error = test::error_of([&] { hss::read_bundle_file(file); });
    BOOST_TEST(error.find(said) != std::string::npos, error);
  }
  auto missing = dir.write("missing.json", R"({"hss_gate_bundle": 3, "fetched_at": "2026-11-27T12:00:00Z", )"
                                           R"("index": {"cicd_name": {}, "namespace/image_name": {}}, "exchanges": []})");
  BOOST_TEST(test::error_of([&] { hss::read_bundle_file(missing); }).find("policy_bases: expected an array") !=
             std::string::npos);
}

// A base's fetch retries like an HSS request and spends from the run's retry budget, which the
// HSS transport of the same run shares: a budget already spent ends the retries at once.
BOOST_AUTO_TEST_CASE(fetching_a_base_spends_the_runs_retry_budget) {
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  BOOST_REQUIRE(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe); // nothing listens there now: every attempt is refused at once
  std::string url = fmt::format("http://127.0.0.1:{}/org.toml", ntohs(address.sin_port));

  test::FakeClock clock;
  auto budget = std::make_shared<hss::RunRetryBudget>();
  auto fetcher = hss::make_url_fetcher(hss::ClientSettings{}, clock, budget);
  std::string error = test::error_of([&] { fetcher->get(url, remote::k_max_base_size); });
  BOOST_TEST(error.find("(gave up after 5 attempts)") != std::string::npos, error);
  BOOST_TEST(clock.sleeps.size() == 4u);
  BOOST_TEST(budget->slept_ms.load() > 0);

  budget->slept_ms = budget->max_wait.count(); // the run's HSS requests spent it all
  test::FakeClock later;
  auto spent = hss::make_url_fetcher(hss::ClientSettings{}, later, budget);
  error = test::error_of([&] { spent->get(url, remote::k_max_base_size); });
  BOOST_TEST(error.find("the run's 60s of retry waiting is spent") != std::string::npos, error);
  BOOST_TEST(later.sleeps.empty());

  hss::ClientSettings once;
  once.retry = false; // doctor: one attempt
  test::FakeClock single;
  error = test::error_of([&] { hss::make_url_fetcher(once, single)->get(url, remote::k_max_base_size); });
  BOOST_TEST(error.find("(gave up after 1 attempts)") != std::string::npos, error);
}

// Once a base came by URL, every file in the cache folder is an input: no report lands inside it,
// however spelled, and a hard link to an entry elsewhere is that entry.
BOOST_AUTO_TEST_CASE(no_output_lands_in_the_policy_cache) {
  test::TempDir dir;
  std::string folder = dir.path("cache");
  remote::PolicyCache cache(folder);
  cache.store(hss::sha256_hex(k_base), k_base);
  std::string entry = cache.entry(hss::sha256_hex(k_base));
  std::string saved = std::string(HSS_GATE_TEST_DATA) + "/responses/clean.json";
  fs::create_hard_link(entry, dir.path("linked.json"));
  const std::vector<std::pair<std::string, std::string>> outputs{
      {folder + "/report.json", "would write inside the policy cache " + folder},
      {folder + "/policies/../x.json", "would write inside the policy cache " + folder},
      {entry, "would write inside the policy cache " + folder},
      {dir.path("linked.json"), "would overwrite the cached policy base " + entry},
  };
  for (const auto& [output, said] : outputs) {
    auto config = config::resolve_config(cli::parse_arguments({"hss-gate", "check", "--cicd-name", "a",
                                                               "--image-version", "1", "--from-file", saved, "--json",
                                                               dir.path("ok.json"), "--junit", dir.path("ok.xml")}),
                                         env_of({}));
    config.reports["json"] = output;
    std::string error = test::error_of([&] { config::check_distinct_paths(config, {}, folder); });
    BOOST_TEST(error.find(said) != std::string::npos, output << ": " << error);
    // A policy that read no base by URL leaves the cache out of it.
    BOOST_TEST(test::error_of([&] { config::check_distinct_paths(config, {}); }) == "no error");
  }
}

BOOST_AUTO_TEST_SUITE_END()
