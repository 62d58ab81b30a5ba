#include "html/document.hpp"

#include "html/dom.hpp"
#include "html/nesting.hpp"

#include <algorithm>
#include <cstdlib>

namespace orbweaver::html {

arena::~arena() {
  while (last_) {
    block* previous = last_->previous;
    std::free(last_);
    last_ = previous;
  }
}

void* arena::new_block(std::size_t payload, bool make_current) {
  constexpr std::size_t header = (sizeof(block) + alignment - 1) / alignment * alignment;
  void* memory = std::malloc(header + payload);
  if (!memory) std::abort();  // gumbo checks no allocation, and an exception cannot cross its C frames
  auto* b = static_cast<block*>(memory);
  b->previous = last_;
  last_ = b;
  char* start = static_cast<char*>(memory) + header;
  if (make_current) {
    cursor_ = start;
    left_ = payload;
  }
  return start;
}

void* arena::allocate(std::size_t size) {
  size = (std::max<std::size_t>(size, 1) + alignment - 1) / alignment * alignment;
  if (size > left_) {
    // A large request gets a block of its own, so the current block's free space is not lost.
    if (size > next_block_size_ / 2) return new_block(size, false);
    new_block(next_block_size_, true);
    next_block_size_ = std::min(next_block_size_ * 2, max_block_size);
  }
  void* result = cursor_;
  cursor_ += size;
  left_ -= size;
  return result;
}

namespace {

void* arena_allocate(void* userdata, std::size_t size) {
  return static_cast<arena*>(userdata)->allocate(size);
}

void arena_release(void*, void*) {}  // everything goes when the arena does

// Gumbo allocates about three times the input size for a typical page.
std::size_t first_block_size(std::size_t input_size) {
  return std::clamp<std::size_t>(input_size * 4, 4096, std::size_t{1} << 20);
}

std::optional<std::string> find_base_href(const GumboNode* root) {
  std::optional<std::string> href;
  walk(
      root,
      [&](const GumboNode* node) {
        if (href) return false;
        if (!is_element(node)) return node->type == GUMBO_NODE_DOCUMENT;
        const GumboElement& element = node->v.element;
        if (element.tag == GUMBO_TAG_BASE && element.tag_namespace == GUMBO_NAMESPACE_HTML) {
          if (const GumboAttribute* attribute = find_attribute(element, "href")) href = attribute->value;
        }
        return !href;
      },
      [](const GumboNode*) {});
  return href;
}

}  // namespace

document::document(std::string html) : source_(std::move(html)), arena_(first_block_size(source_.size())) {
  if (auto flattened = flatten_deep_nesting(source_)) source_ = std::move(*flattened);
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = arena_allocate;
  options.deallocator = arena_release;
  options.userdata = &arena_;
  // Errors are never read; recording them costs time, and on deeply nested input each one copies
  // the whole stack of open elements, which exhausts memory.
  options.max_errors = 0;
  output_ = gumbo_parse_with_options(&options, source_.data(), source_.size());
  base_href_ = find_base_href(output_->document);
}

}  // namespace orbweaver::html
