//! Small builders shared by the migrations.

use sea_orm_migration::prelude::*;

/// A foreign key that removes the child rows with their parent: tenant data
/// leaves with its tenant, never orphaned.
pub fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .take()
}

/// A named index over `cols` of `table`, created only if missing so that
/// migrations stay idempotent.
pub fn index<const N: usize>(
    name: &str,
    table: impl IntoIden,
    cols: [impl IntoIden; N],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.if_not_exists().name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index
}
