#include "http/head_fields.hpp"

namespace warden::http {

namespace bhttp = net::http;

bool HeaderListHas(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view t = list.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (net::beast::iequals(t, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

void HeadFields::Clear() {
  bytes_.clear();
  entries_.clear();
  if (held_bytes() > kKeptBytes) Release();
}

void HeadFields::Release() {
  // swap, not assignment: moving an empty std::string in keeps the old buffer (libstdc++).
  std::string().swap(bytes_);
  std::vector<Entry>().swap(entries_);
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
  const char* name = bytes_.data() + e.name_at;  // Add keeps every entry inside bytes_
  return Field{e.id, std::string_view(name, e.name_size),
               std::string_view(name + e.name_size, e.value_size)};
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

bool HeadFields::ListHas(bhttp::field id, std::string_view token) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id == id && HeaderListHas(At(i).value, token)) return true;
  }
  return false;
}

std::string_view HeadFields::ListValue(bhttp::field id, std::string& storage) const {
  std::string_view first;
  std::size_t found = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].id != id) continue;
    const std::string_view value = At(i).value;
    if (++found == 1) {
      first = value;
      continue;
    }
    if (found == 2) storage.assign(first);
    storage.append(", ").append(value);
  }
  return found > 1 ? std::string_view(storage) : first;
}

}  // namespace warden::http
