#include "services/common/store/database.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace berth::store {
namespace {

std::string TestPath(const std::string& name) {
  std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
  ::mkdir(dir.c_str(), 0755);
  return dir + "/" + name;
}

const std::vector<Migration> kTwoMigrations = {
    {1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"},
    {2, "counter", "CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);"},
};

int64_t QueryInt(Database& db, const std::string& sql) {
  auto statement = db.Prepare(sql);
  EXPECT_TRUE(statement.ok()) << statement.status();
  auto row = statement->Step();
  EXPECT_TRUE(row.ok() && *row);
  return statement->ColumnInt64(0);
}

TEST(DatabaseTest, OpenCreatesDirectoryAndUsesWal) {
  std::string path = TestPath("nested/dir/meta.db");
  auto db = Database::Open(path, kTwoMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  auto mode = (*db)->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->Step());
  EXPECT_EQ(mode->ColumnText(0), "wal");
  ASSERT_TRUE((*db)->Run("INSERT INTO items(name) VALUES (?)", "a").ok());
  struct stat st;
  EXPECT_EQ(::stat((path + "-wal").c_str(), &st), 0) << "no WAL file after a write";
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(DatabaseTest, MigrationsApplyInOrderAndOnlyOnce) {
  std::string path = TestPath("meta.db");
  {
    auto db = Database::Open(path, {kTwoMigrations[0]});
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->SchemaVersion(), 1);
    ASSERT_TRUE((*db)->Run("INSERT INTO items(name) VALUES (?)", "kept").ok());
  }
  {
    auto db = Database::Open(path, kTwoMigrations);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->SchemaVersion(), 2);
    EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 1);
  }
  // Reopening applies nothing again (a second INSERT INTO counter would show).
  auto db = Database::Open(path, kTwoMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM counter"), 1);
}

TEST(DatabaseTest, FailedMigrationLeavesPreviousVersionIntact) {
  std::string path = TestPath("meta.db");
  ASSERT_TRUE(Database::Open(path, {kTwoMigrations[0]}).ok());
  std::vector<Migration> broken = {
      kTwoMigrations[0],
      {2, "half-broken", "CREATE TABLE extra (x INTEGER); INSERT INTO nosuch VALUES (1);"},
  };
  auto failed = Database::Open(path, broken);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("migration 2 (half-broken)"), std::string::npos)
      << failed.status();
  EXPECT_NE(failed.status().message().find("no such table: nosuch"), std::string::npos);
  auto db = Database::Open(path, {kTwoMigrations[0]});
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->SchemaVersion(), 1);
  // The table the failed migration created first was rolled back with it.
  EXPECT_FALSE((*db)->Prepare("SELECT * FROM extra").ok());
}

TEST(DatabaseTest, RefusesDowngradeAndBadMigrationOrder) {
  std::string path = TestPath("meta.db");
  ASSERT_TRUE(Database::Open(path, kTwoMigrations).ok());
  auto old_binary = Database::Open(path, {kTwoMigrations[0]});
  ASSERT_FALSE(old_binary.ok());
  EXPECT_EQ(old_binary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(old_binary.status().message().find("refusing to downgrade"), std::string::npos);
  auto unordered = Database::Open(TestPath("other.db"), {kTwoMigrations[1], kTwoMigrations[0]});
  ASSERT_FALSE(unordered.ok());
  EXPECT_NE(unordered.status().message().find("strictly increasing"), std::string::npos);
}

TEST(DatabaseTest, TransactionCommitsOrRollsBack) {
  auto db = Database::Open(TestPath("meta.db"), kTwoMigrations);
  ASSERT_TRUE(db.ok());
  absl::Status committed = (*db)->Transaction([](Database& tx) {
    return tx.Run("INSERT INTO items(name) VALUES (?), (?)", "a", "b");
  });
  ASSERT_TRUE(committed.ok()) << committed;
  absl::Status rolled_back = (*db)->Transaction([](Database& tx) -> absl::Status {
    absl::Status inserted = tx.Run("INSERT INTO items(name) VALUES (?)", "c");
    if (!inserted.ok()) return inserted;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kAborted);
  // A constraint failure inside the body rolls back the earlier insert too.
  absl::Status duplicate = (*db)->Transaction([](Database& tx) -> absl::Status {
    absl::Status first = tx.Run("INSERT INTO items(name) VALUES (?)", "d");
    if (!first.ok()) return first;
    return tx.Run("INSERT INTO items(name) VALUES (?)", "a");
  });
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  EXPECT_NE(duplicate.message().find("UNIQUE constraint failed"), std::string::npos);
  EXPECT_EQ(QueryInt(**db, "SELECT count(*) FROM items"), 2);
}

TEST(DatabaseTest, ConcurrentTransactionsAreSerialised) {
  auto db = Database::Open(TestPath("meta.db"), kTwoMigrations);
  ASSERT_TRUE(db.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        // Read-modify-write: lost updates would show if transactions interleaved.
        absl::Status status = (*db)->Transaction([](Database& tx) -> absl::Status {
          auto read = tx.Prepare("SELECT n FROM counter");
          if (!read.ok()) return read.status();
          auto row = read->Step();
          if (!row.ok()) return row.status();
          int64_t n = read->ColumnInt64(0);
          return tx.Run("UPDATE counter SET n = ?", n + 1);
        });
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(QueryInt(**db, "SELECT n FROM counter"), 800);
}

TEST(DatabaseTest, SecondConnectionSeesCommitsAndWaitsForTheWriter) {
  std::string path = TestPath("meta.db");
  auto writer = Database::Open(path, kTwoMigrations);
  auto other = Database::Open(path, kTwoMigrations);
  ASSERT_TRUE(writer.ok() && other.ok());
  ASSERT_TRUE((*writer)->Run("INSERT INTO items(name) VALUES (?)", "x").ok());
  EXPECT_EQ(QueryInt(**other, "SELECT count(*) FROM items"), 1);
  // Hold a write transaction for 300 ms; the other connection's write waits
  // on the busy timeout instead of failing with SQLITE_BUSY.
  std::thread holder([&] {
    ASSERT_TRUE((*writer)->Transaction([](Database& tx) -> absl::Status {
      absl::Status status = tx.Run("INSERT INTO items(name) VALUES (?)", "held");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return status;
    }).ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  absl::Status waited = (*other)->Run("INSERT INTO items(name) VALUES (?)", "after");
  holder.join();
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_EQ(QueryInt(**other, "SELECT count(*) FROM items"), 3);
}

TEST(DatabaseTest, ErrorsNameTheDatabaseAndStatement) {
  auto db = Database::Open(TestPath("meta.db"), kTwoMigrations);
  ASSERT_TRUE(db.ok());
  auto bad = (*db)->Prepare("SELECT * FROM missing_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("meta.db: prepare \"SELECT * FROM missing_table\""),
            std::string::npos)
      << bad.status();
  EXPECT_NE(bad.status().message().find("no such table: missing_table"), std::string::npos);
}

}  // namespace
}  // namespace berth::store
