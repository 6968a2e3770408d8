#ifndef BERTH_SERVICES_COMMON_STORE_INTERNAL_H_
#define BERTH_SERVICES_COMMON_STORE_INTERNAL_H_

// Internal to :store: the two locks every call into SQLite goes through.

#include <sqlite3.h>

#include <string>
#include <string_view>
#include <thread>

#include "services/common/store/database.h"

namespace berth::store {

// Holds Database::mu_ for one call, unless this thread is inside the
// Database's Transaction (which holds it already and is not reentrant).
class Database::Serialized {
 public:
  explicit Serialized(const Database& db)
      : mu_(db.owner_.load() == std::this_thread::get_id() ? nullptr : &db.mu_) {
    if (mu_ != nullptr) mu_->Lock();
  }
  ~Serialized() {
    if (mu_ != nullptr) mu_->Unlock();
  }
  Serialized(const Serialized&) = delete;
  Serialized& operator=(const Serialized&) = delete;

 private:
  absl::Mutex* const mu_;
};

namespace internal {

// Holds the connection's own (recursive) mutex across a call and the read of
// its error message, which another thread's call would otherwise replace.
class ConnectionLock {
 public:
  explicit ConnectionLock(sqlite3* db) : mutex_(sqlite3_db_mutex(db)) {
    sqlite3_mutex_enter(mutex_);
  }
  ~ConnectionLock() { sqlite3_mutex_leave(mutex_); }
  ConnectionLock(const ConnectionLock&) = delete;
  ConnectionLock& operator=(const ConnectionLock&) = delete;

 private:
  sqlite3_mutex* const mutex_;
};

// SQL as quoted in error messages: one line, at most 60 characters.
std::string Shorten(std::string_view sql);

}  // namespace internal
}  // namespace berth::store

#endif  // BERTH_SERVICES_COMMON_STORE_INTERNAL_H_
