// HeadFields: the fields of one HTTP head (a caller's request or a provider's response) in
// arrival order, their bytes in one buffer reused from head to head. Beast's basic_fields
// allocates an element per field and sorts them into a set; the request path reads each field
// once or twice, so a list in reused memory serves it with no allocation per field.
// Lookups are linear: a head holds tens of fields, bounded by the parser's header_limit.
// Ownership: the views a lookup returns point into the HeadFields and last until Clear or Add.
// Thread safety: none; like the connection whose heads it holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/net.hpp"

namespace warden::http {

// Whether a comma-separated header list (RFC 9110 §5.6.1: Connection, Upgrade) holds `token`,
// compared case-insensitively with the spaces and tabs around each element trimmed.
bool HeaderListHas(std::string_view list, std::string_view token);

class HeadFields {
 public:
  struct Field {
    net::http::field id;  // field::unknown for names Beast does not know
    std::string_view name;
    std::string_view value;
  };

  class Iterator {
   public:
    Field operator*() const { return fields_->At(index_); }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    friend class HeadFields;
    Iterator(const HeadFields* fields, std::size_t index) : fields_(fields), index_(index) {}
    const HeadFields* fields_;
    std::size_t index_;
  };

  // Forgets the fields; their memory is kept, unless a large head grew it past kKeptBytes.
  void Clear();
  // Forgets the fields and gives their memory back.
  void Release();
  // `id` is Beast's enum for `name` (field::unknown when it has none).
  void Add(net::http::field id, std::string_view name, std::string_view value);
  // The same, looking the enum up (tests and builders; parsers know it already).
  void Add(std::string_view name, std::string_view value);

  // The first value of the field `id` (not field::unknown), or empty.
  std::string_view Get(net::http::field id) const;
  // The first value of the field named `name` (any case), or empty.
  std::string_view Get(std::string_view name) const;
  bool Has(net::http::field id) const { return Count(id) > 0; }
  bool Has(std::string_view name) const;
  std::size_t Count(net::http::field id) const;
  // A list field (Connection, Upgrade) read whole: a repeated field is one list (RFC 9110
  // §5.3), so every field `id` counts, not only the first.
  bool ListHas(net::http::field id, std::string_view token) const;
  // The values of every field `id` as one list: the one value itself (no copy), or, when the
  // field is repeated, the values joined with ", " into `storage`.
  std::string_view ListValue(net::http::field id, std::string& storage) const;

  std::size_t size() const { return entries_.size(); }
  Field At(std::size_t i) const;
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, entries_.size()}; }
  // The memory kept for the next head.
  std::size_t held_bytes() const { return bytes_.capacity() + entries_.capacity() * sizeof(Entry); }

  static constexpr std::size_t kKeptBytes = 16 * 1024;

 private:
  struct Entry {
    net::http::field id;
    std::uint32_t name_at;
    std::uint32_t name_size;
    std::uint32_t value_size;  // the value follows the name
  };
  std::size_t Find(std::string_view name) const;  // index, or size() when absent
  std::string bytes_;
  std::vector<Entry> entries_;
};

}  // namespace warden::http
