#include "app/doctor_report.hpp"

#include <cstdio>

#include <boost/json.hpp>

namespace warden::app {

int DoctorReport::Print(bool json) const {
  int open = 0;
  for (const auto& f : findings_) open += f.fixed ? 0 : 1;
  if (json) {
    boost::json::array arr;
    for (const auto& f : findings_) {
      arr.push_back(
          {{"code", f.code}, {"path", f.path}, {"message", f.message}, {"fixed", f.fixed}});
    }
    boost::json::array notes;
    for (const auto& n : notes_) notes.push_back(boost::json::value(n));
    boost::json::object o{{"ok", open == 0}, {"findings", std::move(arr)}, {"notes", notes}};
    std::puts(boost::json::serialize(o).c_str());
  } else {
    for (const auto& f : findings_) {
      std::printf("%-22s %s%s\n", f.code.c_str(), f.fixed ? "fixed: " : "", f.message.c_str());
    }
    for (const auto& n : notes_) std::printf("note: %s\n", n.c_str());
    if (open == 0) std::printf("ok: nothing left to fix\n");
  }
  return open == 0 ? 0 : 1;
}

}  // namespace warden::app
