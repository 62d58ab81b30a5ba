// A user's own project, outside the orbweaver tree, as a user works with it: orbweaver installed
// into a temporary prefix, the public headers compiled against the install, then startproject,
// genspider, crawl, list, an edit, a compile error, the project's own components, runspider and
// the refusals, against a loopback server. One install and one project serve the whole suite
// (project builds are slow); the tests run in order in one process (tests/CMakeLists.txt).
#include "crawl_runner.hpp"
#include "program_runner.hpp"
#include "test_server.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <future>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using orbweaver::testing::read_file;
using orbweaver::testing::run_program;
using orbweaver::testing::program_result;
using orbweaver::testing::test_reply;
using orbweaver::testing::test_request;
using orbweaver::testing::test_server;

void write_file(const fs::path& path, std::string_view text) { std::ofstream(path, std::ios::binary) << text; }

std::vector<boost::json::object> read_items(const fs::path& jsonl) {
  std::vector<boost::json::object> items;
  std::ifstream in(jsonl);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) items.push_back(boost::json::parse(line).as_object());
  return items;
}

class ProjectTest : public ::testing::Test {
 protected:
  // The install, the project "shop" with the spider "site", and the server it crawls.
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "orbweaver-project-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    work_ = new fs::path(pattern);
    prefix_ = new fs::path(*work_ / "prefix");
    // runspider's cache goes here, not into the user's home.
    ::setenv("XDG_CACHE_HOME", (*work_ / "cache").c_str(), 1);
    auto install = run_program("cmake", {"--install", ORBWEAVER_BUILD_DIR, "--prefix", prefix_->string()}, *work_);
    ASSERT_EQ(install.status, 0) << install.out << install.err;

    server_ = new test_server;
    server_->route("/", [](const test_request& request) {
      test_reply reply{.body = "<html><head><title>\n  The shop  \n</title></head><body>hello</body></html>"};
      reply.headers.set("Content-Type", "text/html; charset=utf-8");
      // The page says which Cache-Control it was asked for, for the middleware test.
      reply.body += "<p id=cache>" + std::string(request.headers.get("Cache-Control").value_or("none")) + "</p>";
      return reply;
    });

    // A catalog for the crawl template's rule (links matching "Items/").
    server_->route("/catalog", [](const test_request&) {
      return test_reply{.body = "<html><body><a href='/Items/1'>one</a><a href='/elsewhere'>no</a></body></html>"};
    });
    server_->route("/Items/1", [](const test_request&) {
      return test_reply{.body = "<html><body><a href='/catalog'>back</a></body></html>"};
    });

    auto created = run_program(tool(), {"startproject", "shop"}, *work_);
    ASSERT_EQ(created.status, 0) << created.err;
    auto generated = run_program(tool(), {"genspider", "site", server_->url("/")}, project());
    ASSERT_EQ(generated.status, 0) << generated.err;
  }
  static void TearDownTestSuite() {
    delete server_;
    if (work_ && !std::getenv("ORBWEAVER_KEEP_TEST_PROJECT")) fs::remove_all(*work_);
    delete prefix_;
    delete work_;
  }

  static std::string tool() { return (*prefix_ / "bin" / "orbweaver").string(); }
  static fs::path project() { return *work_ / "shop"; }
  static program_result orbweaver(std::vector<std::string> args, const fs::path& cwd = project()) {
    return run_program(tool(), std::move(args), cwd);
  }
  // `orbweaver crawl SPIDER` in the project with the items written to a fresh file.
  static std::pair<program_result, std::vector<boost::json::object>> crawl(const std::string& spider,
                                                                       std::vector<std::string> extra = {}) {
    fs::path out = *work_ / "items.jsonl";
    fs::remove(out);
    std::vector<std::string> args{"crawl", spider, "-O", out.string(), "-L", "WARNING"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = orbweaver(args);
    return {result, read_items(out)};
  }

  static fs::path* work_;
  static fs::path* prefix_;
  static test_server* server_;
};

fs::path* ProjectTest::work_ = nullptr;
fs::path* ProjectTest::prefix_ = nullptr;
test_server* ProjectTest::server_ = nullptr;

TEST_F(ProjectTest, InstallHasTheToolLibraryHeadersPackageAndTemplates) {
  EXPECT_TRUE(fs::exists(*prefix_ / "include/orbweaver/orbweaver.hpp"));
  EXPECT_TRUE(fs::exists(*prefix_ / "lib/cmake/orbweaver/orbweaverConfig.cmake"));
  EXPECT_TRUE(fs::exists(*prefix_ / "lib/cmake/orbweaver/orbweaverConfigVersion.cmake"));
  EXPECT_TRUE(fs::exists(*prefix_ / "share/orbweaver/templates/spiders/basic.cpp.tmpl"));
  bool has_library = false;
  for (const auto& entry : fs::directory_iterator(*prefix_ / "lib"))
    has_library |= entry.path().filename().string().starts_with("liborbweaver.so");
  EXPECT_TRUE(has_library);

  // The installed tool runs from its prefix (RPATH) and has no spiders of its own.
  auto version = orbweaver({"version"}, *work_);
  EXPECT_EQ(version.status, 0) << version.err;
  EXPECT_EQ(version.out, "orbweaver " ORBWEAVER_VERSION "\n");
  for (const char* command : {"list", "crawl"}) {
    auto outside = command == std::string("list") ? orbweaver({"list"}, *work_) : orbweaver({"crawl", "x"}, *work_);
    EXPECT_EQ(outside.status, 1) << command;
    EXPECT_NE(outside.err.find("no orbweaver project here: there is no orbweaver.toml in"), std::string::npos)
        << outside.err;
    EXPECT_NE(outside.err.find("orbweaver runspider FILE.cpp"), std::string::npos) << outside.err;
  }
}

// Each public header alone, in its own translation unit, through find_package(orbweaver) and
// orbweaver::orbweaver only: no framework/src include, every dependency found by the package.
TEST_F(ProjectTest, EachPublicHeaderCompilesAloneAgainstTheInstall) {
  fs::path source = *work_ / "headers";
  fs::create_directories(source);
  std::string sources;
  for (const auto& entry : fs::directory_iterator(*prefix_ / "include/orbweaver")) {
    std::string header = entry.path().filename().string();
    std::string unit = header.substr(0, header.size() - 4) + ".cpp";
    write_file(source / unit, "#include <orbweaver/" + header + ">\n");
    sources += " " + unit;
  }
  write_file(source / "CMakeLists.txt",
             "cmake_minimum_required(VERSION 3.25)\nproject(headers LANGUAGES CXX)\nset(CMAKE_CXX_STANDARD 20)\n"
             "find_package(orbweaver " ORBWEAVER_VERSION " REQUIRED)\n"
             "add_library(headers OBJECT" + sources + ")\n"
             "target_compile_options(headers PRIVATE -Wall -Wextra -Werror)\n"
             "target_link_libraries(headers PRIVATE orbweaver::orbweaver)\n");
  auto configure = run_program("cmake", {"-S", ".", "-B", "build", "-G", "Ninja",
                                          "-DCMAKE_PREFIX_PATH=" + prefix_->string()}, source);
  ASSERT_EQ(configure.status, 0) << configure.out << configure.err;
  auto build = run_program("cmake", {"--build", "build"}, source);
  EXPECT_EQ(build.status, 0) << build.out << build.err;
}

TEST_F(ProjectTest, StartprojectWritesAProjectAndSaysWhatNext) {
  auto created = orbweaver({"startproject", "books_demo", "somewhere/demo"}, *work_);
  ASSERT_EQ(created.status, 0) << created.err;
  fs::path dir = *work_ / "somewhere/demo";
  EXPECT_EQ(created.out, "New orbweaver project 'books_demo', using template directory '" +
                             (*prefix_ / "share/orbweaver/templates/project").string() + "', created in:\n    " +
                             dir.string() +
                             "\n\nYou can start your first spider with:\n    cd somewhere/demo\n"
                             "    orbweaver genspider example example.com\n");
  for (const char* file : {"orbweaver.toml", "CMakeLists.txt", "README.md", ".gitignore", "spiders/.gitkeep",
                           "middlewares/no_cache.cpp", "pipelines/strip_whitespace.cpp"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  EXPECT_NE(read_file(dir / "orbweaver.toml").find("name = \"books_demo\""), std::string::npos);
  EXPECT_NE(read_file(dir / "CMakeLists.txt").find("project(books_demo"), std::string::npos);
}

TEST_F(ProjectTest, GeneratedSpiderCrawlsWithNoEdits) {
  EXPECT_EQ(read_file(project() / "spiders/site.cpp").find("@"), std::string::npos) << "a placeholder was left";
  auto [result, items] = crawl("site", {"-s", "ITEM_PIPELINES=strip_whitespace=off"});
  ASSERT_EQ(result.status, 0) << result.err;
  ASSERT_EQ(items.size(), 1u) << result.err;
  EXPECT_EQ(items[0].at("url").as_string(), server_->url("/"));
  EXPECT_EQ(items[0].at("title").as_string(), "\n  The shop  \n");

  auto list = orbweaver({"list"});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_EQ(list.out, "site\n");
  // From a subfolder too: the project is found in a parent, as scrapy.cfg.
  EXPECT_EQ(orbweaver({"list"}, project() / "spiders").out, "site\n");
}

TEST_F(ProjectTest, ProjectMiddlewareAndPipelineRunInTheCrawl) {
  auto [result, items] = crawl("site", {"-s", "ITEM_PIPELINES=strip_whitespace=300", "-s",
                                        "DOWNLOADER_MIDDLEWARES=no_cache=450"});
  ASSERT_EQ(result.status, 0) << result.err;
  ASSERT_EQ(items.size(), 1u) << result.err;
  EXPECT_EQ(items[0].at("title").as_string(), "The shop");  // strip_whitespace

  // no_cache: the page echoes the header back; a spider reads it.
  fs::path spider = project() / "spiders/cache.cpp";
  write_file(spider, R"(#include <orbweaver/orbweaver.hpp>
using namespace orbweaver;
class cache_spider : public spider {
 public:
  cache_spider() { name = "cache"; start_urls = {")" + server_->url("/") + R"("}; }
  void parse(const response& r, output& out) override {
    out.emit(item{{"cache", r.css("#cache::text").get()}});
  }
};
ORBWEAVER_SPIDER(cache_spider);
)");
  auto [with_middleware, asked] = crawl("cache", {"-s", "DOWNLOADER_MIDDLEWARES=no_cache=450"});
  ASSERT_EQ(with_middleware.status, 0) << with_middleware.err;
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].at("cache").as_string(), "no-cache");
  auto [without_middleware, not_asked] = crawl("cache", {"-s", "DOWNLOADER_MIDDLEWARES=no_cache=off"});
  ASSERT_EQ(not_asked.size(), 1u) << without_middleware.err;
  EXPECT_EQ(not_asked[0].at("cache").as_string(), "none");
  fs::remove(spider);
}

// orbweaver.toml holds the project's settings: they enable the project's own pipeline, a spider's
// custom_settings and -s override them, and a mistake names the file and line before any request.
TEST_F(ProjectTest, OrbweaverTomlSettingsApplyAndTheirMistakesExitTwo) {
  fs::path toml = project() / "orbweaver.toml";
  const std::string original = read_file(toml);
  write_file(toml, "[project]\nname = \"shop\"\n\n[settings]\nITEM_PIPELINES = { strip_whitespace = 300 }\n");
  auto [enabled, items] = crawl("site");
  ASSERT_EQ(enabled.status, 0) << enabled.err;
  ASSERT_EQ(items.size(), 1u) << enabled.err;
  EXPECT_EQ(items[0].at("title").as_string(), "The shop") << "the pipeline the file enables ran";

  auto [overridden, raw] = crawl("site", {"-s", "ITEM_PIPELINES=strip_whitespace=off"});
  ASSERT_EQ(raw.size(), 1u) << overridden.err;
  EXPECT_EQ(raw[0].at("title").as_string(), "\n  The shop  \n") << "the command line wins over the file";

  const std::size_t served = server_->requests_served();
  write_file(toml, "[project]\nname = \"shop\"\n\n[settings]\nBOT_NAME = \"shop\"\nDOWNLOAD_DELAI = 1\n");
  auto unknown = orbweaver({"crawl", "site"});
  EXPECT_EQ(unknown.status, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("orbweaver.toml:"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("DOWNLOAD_DELAI"), std::string::npos) << unknown.err;

  write_file(toml, "[project]\nname = \"shop\"\n\n[settings]\nCONCURRENT_REQUESTS = \"many\"\n");
  auto wrong_type = orbweaver({"crawl", "site"});
  EXPECT_EQ(wrong_type.status, 2) << wrong_type.err;
  EXPECT_NE(wrong_type.err.find("CONCURRENT_REQUESTS"), std::string::npos) << wrong_type.err;
  write_file(toml, original);
  EXPECT_EQ(server_->requests_served(), served) << "a bad settings file stops the crawl before any request";
}

TEST_F(ProjectTest, AnEditedSpiderIsRebuiltAndPickedUp) {
  ASSERT_EQ(orbweaver({"genspider", "edited", server_->url("/")}).status, 0);
  fs::path spider = project() / "spiders/edited.cpp";
  auto [before, old_items] = crawl("edited");
  ASSERT_EQ(old_items.size(), 1u) << before.err;
  EXPECT_TRUE(old_items[0].contains("title"));

  std::string text = read_file(spider);
  auto at = text.find("{\"title\",");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 9, "{\"heading\",");
  write_file(spider, text);
  auto [after, new_items] = crawl("edited");
  ASSERT_EQ(new_items.size(), 1u) << after.err;
  EXPECT_TRUE(new_items[0].contains("heading"));
  EXPECT_FALSE(new_items[0].contains("title"));
  fs::remove(spider);
}

// genspider -t crawl: a crawl_spider that builds and follows its rule with no edits.
TEST_F(ProjectTest, TheCrawlTemplateBuildsAndFollowsItsRule) {
  ASSERT_EQ(orbweaver({"genspider", "-t", "crawl", "ruled", server_->url("/catalog")}).status, 0);
  fs::path spider = project() / "spiders/ruled.cpp";
  auto [result, items] = crawl("ruled");
  fs::remove(spider);
  ASSERT_EQ(result.status, 0) << result.err;
  ASSERT_EQ(items.size(), 1u) << result.err;
  EXPECT_EQ(items[0].at("url"), boost::json::value(server_->url("/Items/1")));
}

// Two launchers started together after an edit (two crawls in two terminals): one builds while
// the other waits for it, and both run the rebuilt project.
TEST_F(ProjectTest, TwoLaunchersAtOnceBuildOneAfterTheOther) {
  fs::path spider = project() / "spiders/together.cpp";
  ASSERT_EQ(orbweaver({"genspider", "together", server_->url("/")}).status, 0);
  // Each runs in a folder of its own (the runner's files), both inside the project.
  auto first = std::async(std::launch::async, [&] { return orbweaver({"list"}, project()); });
  auto second = std::async(std::launch::async, [&] { return orbweaver({"list"}, project() / "spiders"); });
  for (auto* run : {&first, &second}) {
    auto result = run->get();
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("together\n"), std::string::npos) << result.out << result.err;
  }
  fs::remove(spider);
}

TEST_F(ProjectTest, ACompileErrorIsShownAndNothingIsRequested) {
  fs::path spider = project() / "spiders/broken.cpp";
  write_file(spider, "#include <orbweaver/orbweaver.hpp>\nint broken() { return undeclared_name; }\n");
  std::size_t served = server_->requests_served();
  auto result = orbweaver({"crawl", "site"});
  fs::remove(spider);  // before any assertion: the other tests build this project
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("broken.cpp:2:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("undeclared_name"), std::string::npos) << result.err;
  EXPECT_EQ(server_->requests_served(), served);
}

TEST_F(ProjectTest, RunspiderCompilesOneFileOnceAndCrawls) {
  fs::path file = *work_ / "single.cpp";
  write_file(file, R"(#include <orbweaver/orbweaver.hpp>
using namespace orbweaver;
class single_spider : public spider {
 public:
  single_spider() { name = "single"; }
  void init() override { start_urls = {arg("url")}; }
  void parse(const response& r, output& out) override { out.emit(item{{"from", "single"}, {"url", r.url()}}); }
};
ORBWEAVER_SPIDER(single_spider);
)");
  fs::path out = *work_ / "single.jsonl";
  auto first = orbweaver({"runspider", "single.cpp", "-a", "url=" + server_->url("/"), "-O", out.string()}, *work_);
  ASSERT_EQ(first.status, 0) << first.err;
  auto items = read_items(out);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("from").as_string(), "single");

  // The binary is cached by the file's content: the second run does not build again.
  std::vector<fs::path> markers;
  for (const auto& entry : fs::recursive_directory_iterator(*work_ / "cache/orbweaver/runspider"))
    if (entry.path().filename() == "executable") markers.push_back(entry.path());
  ASSERT_EQ(markers.size(), 1u);
  fs::path executable = read_file(markers[0]);
  auto built_at = fs::last_write_time(executable);
  fs::path build_log = executable.parent_path() / "orbweaver-build.log";
  fs::remove(build_log);
  auto second = orbweaver({"runspider", "single.cpp", "-a", "url=" + server_->url("/"), "-O", out.string()}, *work_);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(read_items(out).size(), 1u);
  EXPECT_EQ(fs::last_write_time(executable), built_at);
  EXPECT_FALSE(fs::exists(build_log)) << "runspider ran the build again";

  write_file(*work_ / "bad.cpp", "int main() { return nope; }\n");
  auto bad = orbweaver({"runspider", "bad.cpp"}, *work_);
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("nope"), std::string::npos) << bad.err;
}

TEST_F(ProjectTest, StartprojectAndGenspiderRefuseAndOverwriteNothing) {
  for (const char* bad : {"2shop", "my-shop", "class", ""}) {
    auto refused = orbweaver({"startproject", bad}, *work_);
    EXPECT_EQ(refused.status, 1) << bad;
    EXPECT_NE(refused.err.find("Project names must be C++ identifiers"), std::string::npos) << refused.err;
    if (*bad) {
      EXPECT_FALSE(fs::exists(*work_ / bad)) << bad;
    }
  }
  std::string toml = read_file(project() / "orbweaver.toml");
  auto again = orbweaver({"startproject", "shop"}, *work_);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.err.find("orbweaver.toml already exists in " + project().string()), std::string::npos) << again.err;
  EXPECT_EQ(read_file(project() / "orbweaver.toml"), toml);

  // An existing file of the template in the target folder: nothing at all is written.
  fs::create_directories(*work_ / "half");
  write_file(*work_ / "half/README.md", "mine\n");
  auto half = orbweaver({"startproject", "half"}, *work_);
  EXPECT_EQ(half.status, 1);
  EXPECT_NE(half.err.find("README.md already exists; nothing was written"), std::string::npos) << half.err;
  EXPECT_EQ(read_file(*work_ / "half/README.md"), "mine\n");
  EXPECT_FALSE(fs::exists(*work_ / "half/orbweaver.toml"));

  std::string site = read_file(project() / "spiders/site.cpp");
  auto existing = orbweaver({"genspider", "site", "example.com"});
  EXPECT_EQ(existing.status, 1);
  EXPECT_NE(existing.err.find("Spider 'site' already exists in spiders/site.cpp"), std::string::npos) << existing.err;
  EXPECT_EQ(read_file(project() / "spiders/site.cpp"), site);

  // The name is taken by a spider in a file of another name.
  fs::rename(project() / "spiders/site.cpp", project() / "spiders/renamed.cpp");
  auto taken = orbweaver({"genspider", "site", "example.com"});
  fs::rename(project() / "spiders/renamed.cpp", project() / "spiders/site.cpp");
  EXPECT_EQ(taken.status, 1);
  EXPECT_NE(taken.err.find("Spider 'site' already exists in spiders/renamed.cpp"), std::string::npos) << taken.err;

  auto bad_name = orbweaver({"genspider", "my-spider", "example.com"});
  EXPECT_EQ(bad_name.status, 1);
  EXPECT_NE(bad_name.err.find("Spider names must be C++ identifiers"), std::string::npos) << bad_name.err;
  EXPECT_FALSE(fs::exists(project() / "spiders/my-spider.cpp"));

  auto listed = orbweaver({"genspider", "-l"});
  EXPECT_EQ(listed.out, "Available templates:\n  basic\n  crawl\n  csvfeed\n  sitemap\n  xmlfeed\n");
  auto unknown = orbweaver({"genspider", "-t", "nope", "x", "example.com"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("Unable to find template: nope"), std::string::npos);
}

TEST_F(ProjectTest, GenspiderOutsideAProjectWritesIntoTheCurrentFolder) {
  fs::path loose = *work_ / "loose";
  fs::create_directories(loose);
  auto created = orbweaver({"genspider", "quotes", "https://quotes.example.com/page/1/"}, loose);
  ASSERT_EQ(created.status, 0) << created.err;
  EXPECT_EQ(created.out, "Created spider 'quotes' using template 'basic' in module:\n  quotes.cpp\n");
  std::string text = read_file(loose / "quotes.cpp");
  EXPECT_NE(text.find("allowed_domains = {\"quotes.example.com\"};"), std::string::npos) << text;
  EXPECT_NE(text.find("start_urls = {\"https://quotes.example.com/page/1/\"};"), std::string::npos) << text;
  EXPECT_NE(text.find("class quotes_spider : public spider"), std::string::npos) << text;
}

}  // namespace
