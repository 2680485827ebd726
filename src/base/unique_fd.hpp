// UniqueFd: sole owner of a POSIX file descriptor, closed when the owner goes away (the
// descriptor analogue of unique_ptr). -1 means "none".
//
// Every path out of a function that opened a descriptor closes it, including error returns.
// Movable, not copyable. close(2) errors are ignored: by then there is nothing useful to do, and
// writers that care about durability fsync before letting go.
// Ownership: exactly one UniqueFd owns a descriptor; moving transfers it.
// Thread safety: none; one owner at a time, like the descriptor itself.
#pragma once

#include <unistd.h>

#include <utility>

namespace warden {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it (-1 when none): the caller now owns it.
  int Release() { return std::exchange(fd_, -1); }
  // Closes the descriptor now (if any); the object then holds none.
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace warden
