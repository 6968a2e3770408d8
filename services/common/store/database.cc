#include "services/common/store/database.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace berth::store {
namespace {

absl::Status MakeParent(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return absl::OkStatus();
  std::string dir = path.substr(0, slash);
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      std::string prefix = dir.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
        return absl::ErrnoToStatus(errno, absl::StrCat("mkdir ", prefix));
      }
    }
  }
  return absl::OkStatus();
}

std::string Shorten(std::string_view sql) {
  std::string text(sql.substr(0, 60));
  for (char& c : text) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return sql.size() > 60 ? text + "..." : text;
}

}  // namespace

// ---- Statement ----

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(other.statement_), sql_(std::move(other.sql_)),
      bind_error_(std::move(other.bind_error_)) {
  other.statement_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = other.statement_;
    sql_ = std::move(other.sql_);
    bind_error_ = std::move(other.bind_error_);
    other.statement_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

void Statement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = db_->Error(absl::StrCat("bind \"", Shorten(sql_), "\""));
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  NoteBind(sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view blob) {
  NoteBind(sqlite3_bind_blob64(statement_, index, blob.data(), blob.size(), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::BindNull(int index) {
  NoteBind(sqlite3_bind_null(statement_, index));
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error(absl::StrCat("step \"", Shorten(sql_), "\""));
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

void Statement::Reset() {
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

// ---- Database ----

absl::StatusOr<std::unique_ptr<Database>> Database::Open(
    const std::string& path, const std::vector<Migration>& migrations) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version <= migrations[i - 1].version) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sqlite ", path, ": migrations must have strictly increasing versions (",
          migrations[i - 1].version, " then ", migrations[i].version, ")"));
    }
  }
  if (absl::Status status = MakeParent(path); !status.ok()) return status;
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &handle,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  std::unique_ptr<Database> db(new Database(path, handle));
  if (rc != SQLITE_OK) return db->Error("open");
  ::chmod(path.c_str(), 0600);
  sqlite3_busy_timeout(handle, 5000);
  // WAL: readers never block the writer, and a commit is one append.
  // synchronous=FULL: a committed transaction survives power loss, which
  // the store's promises (nothing lost, nothing half-written) need; the cost
  // is one fsync per commit, and commits here are metadata, not data.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (absl::Status status = db->Exec(pragma); !status.ok()) return status;
  }
  if (absl::Status status = db->Migrate(migrations); !status.ok()) return status;
  return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::Status Database::Error(std::string_view what) const {
  int code = db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN;
  std::string message = absl::StrCat("sqlite ", path_, ": ", std::string(what), ": ",
                                     db_ ? sqlite3_errmsg(db_) : "cannot open");
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(message);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

int Database::SchemaVersion() const {
  auto statement = Prepare("PRAGMA user_version");
  if (!statement.ok()) return -1;
  auto row = statement->Step();
  return row.ok() && *row ? static_cast<int>(statement->ColumnInt64(0)) : -1;
}

absl::Status Database::Exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    absl::Status status = Error(absl::StrCat("exec \"", Shorten(sql), "\""));
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement> Database::Prepare(std::string_view sql) const {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(statement);
    return Error(absl::StrCat("prepare \"", Shorten(sql), "\""));
  }
  return Statement(this, statement, std::string(sql));
}

absl::Status Database::Transaction(const std::function<absl::Status(Database&)>& body) {
  absl::MutexLock lock(&transaction_mu_);
  if (absl::Status begin = Exec("BEGIN IMMEDIATE"); !begin.ok()) return begin;
  absl::Status status = body(*this);
  if (status.ok()) {
    status = Exec("COMMIT");
    if (status.ok()) return status;
  }
  // Rollback after a failed COMMIT too: the transaction may still be open.
  if (!sqlite3_get_autocommit(db_)) (void)Exec("ROLLBACK");
  return status;
}

absl::Status Database::Migrate(const std::vector<Migration>& migrations) {
  int current = SchemaVersion();
  if (current < 0) return Error("read schema version");
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path_, " has schema version ", current,
                     ", this binary knows up to ", newest, "; refusing to downgrade"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    absl::Status status = Transaction([&](Database& db) -> absl::Status {
      if (absl::Status applied = db.Exec(migration.sql); !applied.ok()) return applied;
      return db.Exec(absl::StrCat("PRAGMA user_version = ", migration.version));
    });
    if (!status.ok()) {
      return absl::Status(status.code(),
                          absl::StrCat("migration ", migration.version, " (",
                                       migration.description, "): ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::store
