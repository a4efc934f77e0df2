"""A small to-do and shop application on pgsteer, in the three shapes of the usual multi-tenancy and
sharding recipes. Runs on SQLAlchemy 1.4 and 2.0 with psycopg2.

    python3 app.py tenant-per-database URL TENANT...   # engine per tenant from one URL: options only
    python3 app.py shared-rls URL TENANT...            # one engine; tenant from a context variable
    python3 app.py sharded URL                         # one engine; pgsteer picks the shard

URL is pgsteer's, e.g. postgresql+psycopg2://demo:demo@127.0.0.1:6432/saas. No code here picks a
database, a schema or a shard: pgsteer does. Every check is an assert; any failure exits non-zero.
"""
import contextvars
import datetime
import decimal
import math
import sys

from sqlalchemy import (DDL, BigInteger, Column, Date, Float, ForeignKey, ForeignKeyConstraint, Integer,
                        MetaData, Numeric, String, Text, create_engine, event, func, select, text,
                        type_coerce)
from sqlalchemy.orm import declarative_base, relationship, sessionmaker

# ---------------------------------------------------------------------------------------------
# Tenancy models: a to-do list with items. The same classes serve both tenancy variants; the
# shared-rls variant adds a tenant column filled by the server with the tenant's role (current_user).
# ---------------------------------------------------------------------------------------------


def todo_models(shared):
    Base = declarative_base(metadata=MetaData())
    tenant_column = (lambda: Column(Text, nullable=False,
                                    server_default=text("current_user"))) if shared else None

    class TodoList(Base):
        __tablename__ = "todo_lists"
        id = Column(Integer, primary_key=True)
        name = Column(String(100), nullable=False)
        if shared:
            tenant_id = tenant_column()
        items = relationship("TodoItem", back_populates="todo_list", cascade="all, delete-orphan",
                             order_by="TodoItem.id")

    class TodoItem(Base):
        __tablename__ = "todo_items"
        id = Column(Integer, primary_key=True)
        list_id = Column(Integer, ForeignKey("todo_lists.id"), nullable=False)
        title = Column(String(200), nullable=False)
        done = Column(Integer, nullable=False, default=0)
        if shared:
            tenant_id = tenant_column()
        todo_list = relationship("TodoList", back_populates="items")

    # With shared=True the tables and their row-level security are made by the operator, not here:
    # shared-tables.sql, run by run.sh with MIGRATE in the admin console. pgsteer refuses row-level
    # security DDL from a tenant's session, since it is what keeps the tenants apart.
    return Base, TodoList, TodoItem


def exercise_tenant(Session, TodoList, TodoItem, tenant):
    """One tenant's work: a unit of work with a relationship, a savepoint, a rollback, a query."""
    with Session() as session:
        with session.begin():
            groceries = TodoList(name=f"{tenant} groceries")
            groceries.items = [TodoItem(title=f"{tenant} milk"), TodoItem(title=f"{tenant} bread")]
            session.add(groceries)
            session.flush()
            # A savepoint that is rolled back: its item must not survive the commit.
            try:
                with session.begin_nested():
                    session.add(TodoItem(list_id=groceries.id, title=f"{tenant} never"))
                    session.flush()
                    raise RuntimeError("roll the savepoint back")
            except RuntimeError:
                pass
        # A transaction rolled back as a whole.
        try:
            with session.begin():
                session.add(TodoList(name=f"{tenant} rolled back"))
                session.flush()
                raise RuntimeError("roll the transaction back")
        except RuntimeError:
            pass

    with Session() as session:
        lists = session.execute(select(TodoList).order_by(TodoList.id)).scalars().all()
        names = [l.name for l in lists]
        assert names == [f"{tenant} groceries"], f"tenant {tenant} sees lists {names}"
        titles = [i.title for i in lists[0].items]   # lazy load through the relationship
        assert titles == [f"{tenant} milk", f"{tenant} bread"], f"tenant {tenant} sees items {titles}"
        lists[0].items[0].done = 1
        session.commit()
        done = session.execute(select(func.count()).select_from(TodoItem).where(TodoItem.done == 1)).scalar()
        assert done == 1, f"tenant {tenant}: {done} items done"
        print(f"{tenant}: lists {names}, items {titles}, done {done}")


def tenant_per_database(url, tenants):
    """Recipe: an engine and a sessionmaker per tenant database. Here: one URL; the engines differ
    only by the startup option naming the tenant, and pgsteer routes each to its own database."""
    Base, TodoList, TodoItem = todo_models(shared=False)
    engines = {t: create_engine(url, connect_args={"options": f"-c pgsteer.tenant={t}"}, future=True)
               for t in tenants}
    try:
        for tenant, engine in engines.items():
            Base.metadata.create_all(engine)      # catalog queries, then CREATE TABLE, in its database
            exercise_tenant(sessionmaker(engine, future=True), TodoList, TodoItem, tenant)
        for tenant, engine in engines.items():
            with engine.connect() as c:
                assert c.execute(text("SELECT current_database()")).scalar() == tenant
    finally:
        for engine in engines.values():
            engine.dispose()


# The tenant of the work going on (a web request's, say), for the one-engine form of shared_rls.
current_tenant = contextvars.ContextVar("current_tenant", default=None)


def shared_rls(url, tenants):
    """Recipe: one shared database; every session runs SET myapp.tenant_id = ... first. Here: one
    engine; the tenant of the work going on is in a context variable, and a pool checkout hook names
    it to pgsteer with SET pgsteer.tenant. pgsteer then sets app.tenant_id on each connection it
    leases, which the row-level-security policies read, and the session cannot change it.

    The hook runs the SET in autocommit: psycopg2 sends BEGIN by itself before the first statement
    of a transaction, and pgsteer refuses to name a tenant after a BEGIN that ran without one (25001).
    For the same reason, the cross-tenant report below names the tenant per statement with a
    /* tenant=... */ comment only in autocommit.
    """
    Base, TodoList, TodoItem = todo_models(shared=True)
    engine = create_engine(url, future=True)

    @event.listens_for(engine, "checkout")
    def name_tenant_at_checkout(dbapi_connection, connection_record, connection_proxy):
        tenant = current_tenant.get()
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            if tenant is None:
                cursor.execute("RESET pgsteer.tenant")
            else:
                cursor.execute("SET pgsteer.tenant = %s", (tenant,))
        dbapi_connection.autocommit = autocommit

    reports = create_engine(url, future=True).execution_options(isolation_level="AUTOCOMMIT")

    @event.listens_for(reports.engine, "before_cursor_execute", retval=True)
    def name_tenant_in_comment(conn, cursor, statement, parameters, context, executemany):
        tenant = conn.get_execution_options().get("tenant")
        return (f"/* tenant={tenant} */ {statement}" if tenant else statement), parameters

    Session = sessionmaker(engine, future=True)
    try:
        token = current_tenant.set(tenants[0])
        Base.metadata.create_all(engine)   # finds the shared tables made by the operator: creates nothing
        current_tenant.reset(token)
        for tenant in tenants:
            token = current_tenant.set(tenant)
            try:
                exercise_tenant(Session, TodoList, TodoItem, tenant)
            finally:
                current_tenant.reset(token)
        with reports.connect() as c:
            assert c.execute(text("SELECT 1")).scalar() == 1     # no tenant named: allowed
            for tenant in tenants:
                owners = set(c.execution_options(tenant=tenant).execute(select(TodoItem.tenant_id)).scalars())
                assert owners == {tenant}, f"tenant {tenant} sees rows of {owners}"
            print(f"shared-rls: each of {tenants} sees only its own rows")
    finally:
        engine.dispose()
        reports.engine.dispose()


# ---------------------------------------------------------------------------------------------
# Sharded shop: customers and orders hashed by customer over three shards, products a reference
# table on every shard (the embedded default's `demo` database; see pgsteer.yaml).
# ---------------------------------------------------------------------------------------------

ShopBase = declarative_base()


class Product(ShopBase):
    __tablename__ = "products"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    price = Column(Numeric(10, 2), nullable=False)


class Customer(ShopBase):
    __tablename__ = "customers"
    id = Column(BigInteger, primary_key=True)
    name = Column(Text, nullable=False)
    region = Column(Text, nullable=False)
    orders = relationship("Order", back_populates="customer", order_by="Order.id",
                          cascade="all, delete-orphan")


class Order(ShopBase):
    __tablename__ = "orders"
    id = Column(BigInteger, primary_key=True)
    customer_id = Column(BigInteger, ForeignKey("customers.id"), primary_key=True)
    product_id = Column(Integer, ForeignKey("products.id"), nullable=False)
    amount = Column(Numeric(10, 2), nullable=False)
    ordered_at = Column(Date, nullable=False)
    customer = relationship("Customer", back_populates="orders")
    product = relationship("Product")


def sharded(url):
    """Recipe: a sessionmaker per shard and a master database saying which shard holds a customer.
    Here: one engine. Every statement carries the customer id, or runs on every shard, merged."""
    engine = create_engine(url, future=True)
    Session = sessionmaker(engine, future=True)
    base_id = 900_000
    ids = [base_id + i for i in range(1, 7)]
    try:
        # Leftovers of an earlier run (the data dir may be reused): by key, on their shards.
        with Session.begin() as session:
            for cid in ids:
                c = session.get(Customer, cid)
                if c is not None:
                    session.delete(c)
        with Session() as session:
            product = session.execute(select(Product).order_by(Product.id).limit(1)).scalar_one()
            product_id, product_name = product.id, product.name
        # Each customer with its orders, in one transaction: one shard per customer, so pgsteer
        # commits it with two-phase commit over the shards it touched.
        with Session.begin() as session:
            for n, cid in enumerate(ids):
                session.add(Customer(id=cid, name=f"example customer {n}", region="eu", orders=[
                    Order(id=1, product_id=product_id, amount=decimal.Decimal("10.50") * (n + 1),
                          ordered_at=datetime.date(2026, 1, n + 1)),
                    Order(id=2, product_id=product_id, amount=decimal.Decimal("1.00"),
                          ordered_at=datetime.date(2026, 2, n + 1))]))
                session.flush()
            # A savepoint whose customers land on other shards, rolled back: pgsteer replays the
            # SAVEPOINT on each shard that joins after it, and rolls back to it on every one.
            try:
                with session.begin_nested():
                    session.add_all([Customer(id=base_id + 90 + i, name="never", region="eu") for i in range(3)])
                    session.flush()
                    raise RuntimeError("roll the savepoint back")
            except RuntimeError:
                pass
        with Session() as session:
            never = session.execute(select(func.count()).select_from(Customer)
                                    .where(Customer.id.between(base_id + 90, base_id + 99))).scalar()
            assert never == 0, f"{never} customers of a rolled-back savepoint were committed"

        with Session() as session:
            for n, cid in enumerate(ids):
                customer = session.get(Customer, cid)                       # one shard
                amounts = [o.amount for o in customer.orders]               # lazy load: same shard
                assert amounts == [decimal.Decimal("10.50") * (n + 1), decimal.Decimal("1.00")], amounts
                assert customer.orders[0].product.name == product_name      # reference table
            # A join of a sharded table with the reference table, on one shard.
            rows = session.execute(
                select(Order.id, Product.name).join(Product, Product.id == Order.product_id)
                .where(Order.customer_id == ids[0]).order_by(Order.id)).all()
            assert [r[0] for r in rows] == [1, 2], rows
            # Over every shard, merged by pgsteer: an aggregate and an ordered, limited list.
            total = session.execute(select(func.sum(Order.amount)).where(Order.customer_id.in_(ids))).scalar()
            assert total == sum(decimal.Decimal("10.50") * (n + 1) + 1 for n in range(len(ids))), total
            top = session.execute(select(Customer.id).where(Customer.id >= base_id)
                                  .order_by(Customer.id.desc()).limit(3)).scalars().all()
            assert top == ids[::-1][:3], top
            per_customer = dict(session.execute(
                select(Order.customer_id, func.count()).where(Order.customer_id.in_(ids))
                .group_by(Order.customer_id)).all())
            assert per_customer == {cid: 2 for cid in ids}, per_customer
            shards = {session.execute(text(f"EXPLAIN ROUTE SELECT * FROM orders WHERE customer_id = {cid}"))
                      .first()[0] for cid in ids}
            print(f"sharded: {len(ids)} customers with 2 orders each, on shards {sorted(shards)}; total {total}")
            assert len(shards) > 1, "the example customers should land on more than one shard"
            reports(session, ids)
            session.commit()
        # Change one customer's orders and remove another: each on its own shard.
        with Session.begin() as session:
            session.get(Customer, ids[0]).orders[1].amount = decimal.Decimal("2.00")
            session.delete(session.get(Customer, ids[1]))
        with Session() as session:
            assert session.get(Order, (2, ids[0])).amount == decimal.Decimal("2.00")
            assert session.get(Customer, ids[1]) is None
            assert session.execute(select(func.count()).select_from(Order)
                                   .where(Order.customer_id == ids[1])).scalar() == 0
            print(f"sharded: updated customer {ids[0]}, deleted customer {ids[1]} and its orders")
    finally:
        engine.dispose()


def reports(session, ids):
    """Reports over every shard that pgsteer cannot merge row by row: a window function over the
    customers' revenue, count(DISTINCT ...) and a median per month. pgsteer answers them with its
    coordinator step (EXPLAIN ROUTE says `coordinator`): it pulls the rows they read into one shard
    and PostgreSQL runs the statement there, so the answer is PostgreSQL's own. Each answer is
    checked against one computed here from the rows this example wrote."""
    amounts = {cid: [decimal.Decimal("10.50") * (n + 1), decimal.Decimal("1.00")] for n, cid in enumerate(ids)}
    names = {cid: f"example customer {n}" for n, cid in enumerate(ids)}

    # Top customers by revenue: rank() OVER (ORDER BY sum(amount) DESC) ranks the groups of all shards.
    revenue = func.sum(Order.amount)
    rank = func.rank().over(order_by=revenue.desc()).label("rank")
    top_customers = (select(Customer.name, func.count(Order.id).label("n_orders"), revenue.label("revenue"), rank)
                     .join(Customer.orders)
                     .where(Order.customer_id.in_(ids))
                     .group_by(Customer.id, Customer.name)
                     .order_by(rank, Customer.name)
                     .limit(3))
    got = [tuple(row) for row in session.execute(top_customers)]
    totals = {cid: sum(a) for cid, a in amounts.items()}
    expected = sorted(((names[cid], len(amounts[cid]), total, 1 + sum(t > total for t in totals.values()))
                       for cid, total in totals.items()), key=lambda r: (r[3], r[0]))[:3]
    assert got == expected, f"top customers: got {got}, expected {expected}"
    print_route(session, top_customers)
    print("sharded: top customers by revenue: " + "; ".join(f"{r}. {name}: {n} orders, {total}" for name, n, total, r in got))

    # Per month: orders, distinct customers and the median amount (percentile_cont ... WITHIN GROUP).
    # SQLAlchemy types within_group(Order.amount) as the Numeric(10, 2) column and would round
    # PostgreSQL's double precision median to 2 places (135.585 read as 135.59): type_coerce reads it whole.
    month = func.to_char(Order.ordered_at, "YYYY-MM")
    per_month = (select(month.label("month"), func.count().label("n_orders"),
                        func.count(Order.customer_id.distinct()).label("customers"),
                        func.percentile_cont(0.5).within_group(type_coerce(Order.amount, Float)).label("median"))
                 .where(Order.customer_id.in_(ids))
                 .group_by(month)
                 .order_by(month))
    got = [tuple(row) for row in session.execute(per_month)]
    months = {}
    for n, cid in enumerate(ids):      # order 1 in January, order 2 in February (see sharded())
        for ordered, amount in zip(("2026-01", "2026-02"), amounts[cid]):
            months.setdefault(ordered, []).append((cid, amount))
    expected = [(m, len(rows), len({cid for cid, _ in rows}), percentile_cont(0.5, [a for _, a in rows]))
                for m, rows in sorted(months.items())]
    assert got == expected, f"per month: got {got}, expected {expected}"
    print("sharded: per month: " + "; ".join(f"{m}: {n} orders, {c} customers, median {median}"
                                            for m, n, c, median in got))


def percentile_cont(fraction, values):
    """PostgreSQL's percentile_cont: interpolated between the two nearest rows, in double precision."""
    ordered = sorted(float(v) for v in values)
    position = fraction * (len(ordered) - 1)
    low, high = ordered[math.floor(position)], ordered[math.ceil(position)]
    return low + (high - low) * (position - math.floor(position))


def print_route(session, statement):
    """EXPLAIN ROUTE of a statement: where it runs, and for the coordinator step what it pulls."""
    sql = str(statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    route = session.connection().exec_driver_sql("EXPLAIN ROUTE " + sql).all()
    assert route[0][1] == "coordinator", f"expected the coordinator step, got {route[0]}"
    print("sharded: EXPLAIN ROUTE of the report")
    for shards, answer, reason in route:
        print(f"  {shards} | {answer} | {' '.join(reason.split())}")


if __name__ == "__main__":
    import sqlalchemy
    variant, url, *tenants = sys.argv[1:]
    print(f"SQLAlchemy {sqlalchemy.__version__}, variant {variant}")
    {"tenant-per-database": lambda: tenant_per_database(url, tenants),
     "shared-rls": lambda: shared_rls(url, tenants),
     "sharded": lambda: sharded(url)}[variant]()
    print(f"{variant}: OK")
