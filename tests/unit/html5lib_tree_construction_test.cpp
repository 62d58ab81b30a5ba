// html5lib-tests' tree-construction cases (tests/conformance/html5lib), checked for what a crawler
// extracts: each case's #data is parsed as a whole page, and the text nodes of the tree, in tree
// order, each with the name of the element holding it (what "E::text" gives), must equal those of
// the case's #document tree. Element structure, attributes, comments and the doctype are not
// compared. Not applicable, by rule: fragment cases (a crawler parses whole pages), #script-on
// cases (a crawler runs no scripts; gumbo parses as with scripting off) and cases whose data is not
// valid UTF-8 (lone surrogates of a UTF-16 string: a crawler's page is decoded to valid UTF-8
// first). Known failures, each with its reason, are listed in expected_failures.txt; a case
// failing that is not listed fails the test, and so does a listed case that passes.
#include "html/charset.hpp"
#include "html/document.hpp"
#include "html/dom.hpp"
#include "html/serialize.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace orbweaver;

namespace {

const std::filesystem::path suite = std::filesystem::path(ORBWEAVER_SOURCE_DIR) / "tests/conformance/html5lib";

struct test_case {
  std::string id;  // "tests1.dat:12": file and 1-based position in it
  std::string data;
  std::vector<std::string> document;  // the #document dump, one node per entry
  bool fragment = false;
  bool script_on = false;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

// The format is described in the suite's README: sections start with "#name" lines; #data runs to
// #errors; the #document dump has a node per "| " line, text nodes continuing over raw newlines.
std::vector<test_case> read_cases(const std::filesystem::path& file) {
  const std::vector<std::string> lines = split_lines(read_file(file));
  std::vector<test_case> cases;
  std::string section;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line == "#data") {
      cases.push_back({file.filename().string() + ":" + std::to_string(cases.size() + 1), {}, {}});
      std::string data;
      for (++i; i < lines.size() && lines[i] != "#errors"; ++i) data += lines[i] + "\n";
      if (!data.empty()) data.pop_back();  // the final newline is not part of the data
      cases.back().data = std::move(data);
      section = "#errors";
      continue;
    }
    if (cases.empty()) continue;
    test_case& current = cases.back();
    if (line == "#errors" || line == "#new-errors" || line == "#document" || line == "#document-fragment" ||
        line == "#script-off" || line == "#script-on") {
      section = line;
      current.fragment = current.fragment || line == "#document-fragment";
      current.script_on = current.script_on || line == "#script-on";
      continue;
    }
    if (section != "#document") continue;
    if (line.starts_with("| "))
      current.document.push_back(line.substr(2));
    else if (!current.document.empty())
      current.document.back() += "\n" + line;
  }
  // The blank line that separates cases ended up in the last node of each dump.
  for (auto& c : cases)
    if (!c.document.empty() && c.document.back().ends_with("\n")) c.document.back().pop_back();
  return cases;
}

// Text nodes of the expected tree: "name: text", name the parent element's tag name string.
std::vector<std::string> expected_text(const std::vector<std::string>& dump) {
  std::vector<std::string> parents;  // by depth
  std::vector<std::string> texts;
  for (const std::string& node : dump) {
    const std::size_t indent = node.find_first_not_of(' ');
    const std::size_t depth = indent / 2;
    const std::string body = node.substr(indent);
    parents.resize(depth);
    if (body.starts_with("\"") && body.ends_with("\"") && body.size() >= 2) {
      texts.push_back((depth > 0 ? parents[depth - 1] : "#document") + ": " + body.substr(1, body.size() - 2));
      parents.push_back("#text");
    } else if (body.starts_with("<") && !body.starts_with("<!") && !body.starts_with("<?") && body.ends_with(">")) {
      parents.push_back(body.substr(1, body.size() - 2));
    } else if (body == "content" && depth > 0) {
      parents.push_back(parents[depth - 1]);  // a template's content: its text belongs to the template
    } else {
      parents.push_back(body);  // attributes, comments, doctypes have no text children
    }
  }
  return texts;
}

std::string tag_name_string(const GumboElement& element) {
  std::string scratch;
  const std::string name(html::element_name(element, scratch));
  switch (element.tag_namespace) {
    case GUMBO_NAMESPACE_SVG:
      return "svg " + name;
    case GUMBO_NAMESPACE_MATHML:
      return "math " + name;
    case GUMBO_NAMESPACE_HTML:
      break;
  }
  return name;
}

std::vector<std::string> extracted_text(const std::string& data) {
  const html::document doc(data);
  std::vector<std::string> texts;
  html::walk(
      doc.root(),
      [&](const GumboNode* node) {
        if (html::is_text(node)) {
          const std::string parent = html::is_element(node->parent) ? tag_name_string(node->parent->v.element) : "#document";
          texts.push_back(parent + ": " + node->v.text.text);
        }
        return node->type == GUMBO_NODE_DOCUMENT || html::is_element(node);
      },
      [](const GumboNode*) {});
  return texts;
}

// "file.dat:N reason..." per line; '#' starts a comment line.
std::map<std::string, std::string> read_expected_failures() {
  std::map<std::string, std::string> failures;
  std::istringstream in(read_file(suite / "expected_failures.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.find(' ');
    failures[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  return failures;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "    [" + line + "]\n";
  return out;
}

}  // namespace

TEST(Html5libTreeConstruction, ExtractedTextMatchesTheStandardsTree) {
  const auto expected_failures = read_expected_failures();
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(suite / "tree-construction"))
    if (entry.path().extension() == ".dat") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());

  int passed = 0, known_failures = 0, fragments = 0, scripted = 0, not_utf8 = 0;
  std::set<std::string> seen;
  for (const auto& file : files) {
    for (const auto& c : read_cases(file)) {
      seen.insert(c.id);
      if (c.fragment || c.script_on || !html::is_valid_utf8(c.data)) {
        ++(c.fragment ? fragments : c.script_on ? scripted : not_utf8);
        continue;
      }
      const auto expected = expected_text(c.document);
      const auto actual = extracted_text(c.data);
      const auto listed = expected_failures.find(c.id);
      if (expected == actual) {
        ++passed;
        EXPECT_EQ(listed, expected_failures.end()) << c.id << " passes now: remove it from expected_failures.txt";
      } else if (listed != expected_failures.end()) {
        ++known_failures;
      } else {
        ADD_FAILURE() << c.id << " (not in expected_failures.txt)\n  data: " << c.data << "\n  expected:\n"
                      << joined(expected) << "  extracted:\n"
                      << joined(actual);
      }
    }
  }
  for (const auto& [id, reason] : expected_failures)
    EXPECT_TRUE(seen.count(id)) << id << " in expected_failures.txt names no case";
  std::printf(
      "html5lib tree construction: %d passed, %d known failures; not applicable: %d fragment, %d script-on, "
      "%d not UTF-8\n",
      passed, known_failures, fragments, scripted, not_utf8);
}
