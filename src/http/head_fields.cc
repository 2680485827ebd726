#include "http/head_fields.hpp"

namespace warden::http {

namespace bhttp = net::http;

void HeadFields::Clear() {
  bytes_.clear();
  entries_.clear();
  if (bytes_.capacity() > kKeptBytes) bytes_.shrink_to_fit();
  if (entries_.capacity() * sizeof(Entry) > kKeptBytes) entries_.shrink_to_fit();
}

void HeadFields::Add(bhttp::field id, std::string_view name, std::string_view value) {
  // A head is bounded by the parser's header_limit, far below 4 GiB.
  entries_.push_back(Entry{id, static_cast<std::uint32_t>(bytes_.size()),
                           static_cast<std::uint32_t>(name.size()),
                           static_cast<std::uint32_t>(value.size())});
  bytes_.append(name).append(value);
}

void HeadFields::Add(std::string_view name, std::string_view value) {
  Add(bhttp::string_to_field(name), name, value);
}

HeadFields::Field HeadFields::At(std::size_t i) const {
  const Entry& e = entries_[i];
  const std::string_view all(bytes_);
  return Field{e.id, all.substr(e.name_at, e.name_size),
               all.substr(e.name_at + e.name_size, e.value_size)};
}

std::string_view HeadFields::Get(bhttp::field id) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id == id) return At(i).value;
  }
  return {};
}

std::size_t HeadFields::Find(std::string_view name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    if (e.name_size == name.size() &&
        net::beast::iequals(std::string_view(bytes_).substr(e.name_at, e.name_size), name)) {
      return i;
    }
  }
  return entries_.size();
}

std::string_view HeadFields::Get(std::string_view name) const {
  const std::size_t i = Find(name);
  return i < entries_.size() ? At(i).value : std::string_view();
}

bool HeadFields::Has(std::string_view name) const { return Find(name) < entries_.size(); }

std::size_t HeadFields::Count(bhttp::field id) const {
  std::size_t n = 0;
  for (const Entry& e : entries_) n += e.id == id ? 1 : 0;
  return n;
}

}  // namespace warden::http
