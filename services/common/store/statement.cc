// Statement: a prepared sqlite3_stmt with binds, steps and column reads.

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "services/common/store/database.h"
#include "services/common/store/internal.h"

namespace berth::store {

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_),
      statement_(std::exchange(other.statement_, nullptr)),
      sql_(std::move(other.sql_)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = std::exchange(other.statement_, nullptr);
    sql_ = std::move(other.sql_);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = db_->Error(rc, absl::StrCat("bind \"", internal::Shorten(sql_), "\""));
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  internal::ConnectionLock lock(db_->db_);
  NoteBind(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  internal::ConnectionLock lock(db_->db_);
  // SQLITE_TRANSIENT: SQLite copies, so text may die before Step().
  NoteBind(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view blob) {
  internal::ConnectionLock lock(db_->db_);
  // A null pointer would bind NULL rather than an empty blob.
  static const char kEmpty = 0;
  NoteBind(sqlite3_bind_blob64(statement_, index, blob.empty() ? &kEmpty : blob.data(), blob.size(),
                               SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindNull(int index) {
  internal::ConnectionLock lock(db_->db_);
  NoteBind(sqlite3_bind_null(statement_, index));
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (statement_ == nullptr) return absl::FailedPreconditionError("step on a moved-from statement");
  if (!bind_error_.ok()) return bind_error_;
  Database::Serialized serialized(*db_);
  internal::ConnectionLock lock(db_->db_);
  int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(rc, absl::StrCat("step \"", internal::Shorten(sql_), "\""));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
  // sqlite3_reset repeats the last step's error, which Step() reported.
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_error_ = absl::OkStatus();
}

int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(statement_, column));
}

std::string Statement::ColumnBlob(int column) const {
  const void* blob = sqlite3_column_blob(statement_, column);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob), sqlite3_column_bytes(statement_, column));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

}  // namespace berth::store
