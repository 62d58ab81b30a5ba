#pragma once
// A parsed HTML document: gumbo's tree over UTF-8 text, kept alive by the selectors that point
// into it. Immutable once built, so it can be read from any thread.
#include <gumbo.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace orbweaver::html {

// Bump allocator for one parse. Gumbo makes thousands of small allocations per page and frees
// most of them only at the end; serving them from a few large blocks and releasing everything at
// once is faster, and it spares gumbo_destroy_output, which recurses once per level of nesting.
class arena {
 public:
  explicit arena(std::size_t first_block_size) : next_block_size_(first_block_size) {}
  ~arena();
  arena(const arena&) = delete;
  arena& operator=(const arena&) = delete;

  void* allocate(std::size_t size);

 private:
  struct block {
    block* previous;
  };
  static constexpr std::size_t alignment = alignof(std::max_align_t);
  static constexpr std::size_t max_block_size = std::size_t{1} << 20;

  void* new_block(std::size_t payload, bool make_current);

  block* last_ = nullptr;
  char* cursor_ = nullptr;
  std::size_t left_ = 0;
  std::size_t next_block_size_;
};

class xpath_tree;

class document {
 public:
  // html must be UTF-8 (gumbo's requirement); the document keeps its own copy because gumbo's
  // tree points into it.
  explicit document(std::string html);
  // Bytes of the source written over after the parse, where they still read `expected` (same
  // length): a caller parses an element under a stand-in name that the HTML parser treats as it
  // wants and gives the element its own name back (an element's unknown tag name is read from the
  // source). Used for XML feeds, whose names may be HTML's.
  struct source_patch {
    std::size_t offset;
    std::string expected;
    std::string replacement;
  };
  document(std::string html, const std::vector<source_patch>& after_parse);
  document(const document&) = delete;
  document& operator=(const document&) = delete;
  ~document();

  // The document node: its children are the <html> element and any top-level comments.
  const GumboNode* root() const { return output_->document; }
  // href of the first <base> element that has one, as written.
  const std::optional<std::string>& base_href() const { return base_href_; }
  // libxml2's copy of the tree for XPath, made on the first call (from any thread, once): pages
  // read only with CSS never pay for it.
  const html::xpath_tree& xpath_tree() const;
  // Whether xpath_tree() was made (a check for tests, not synchronised with a first call).
  bool has_xpath_tree() const { return xpath_ != nullptr; }

 private:
  std::string source_;
  arena arena_;
  GumboOutput* output_;  // lives in arena_
  std::optional<std::string> base_href_;
  mutable std::once_flag xpath_once_;
  mutable std::unique_ptr<html::xpath_tree> xpath_;
};

}  // namespace orbweaver::html
