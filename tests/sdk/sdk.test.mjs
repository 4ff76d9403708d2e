// @commercelayer/sdk against the wallet, built from the access token alone (no organization):
// CRUD of every resource, relationship helpers, includes, sparse fields, filters, sort,
// pagination metadata, triggers and error parsing.
import assert from "node:assert/strict"
import { test } from "node:test"

import { authenticate, jwtDecode } from "@commercelayer/js-auth"

import { apiError, ids, must, sdk, world } from "./helpers.mjs"

const integrationAuth = await authenticate("client_credentials", world.integration)
const integrationToken = integrationAuth.accessToken
const cl = () => sdk(integrationToken)
// Letters only: a long run of digits could pass for a card number, which the API refuses.
const unique = () =>
  Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("")

// --- construction -----------------------------------------------------------------------------

test("CommerceLayer({accessToken}) needs no organization", () => {
  const client = sdk(integrationToken)
  assert.equal(client.currentOrganization, world.organization)
  assert.equal(jwtDecode(client.currentAccessToken).payload.organization.slug, world.organization)
})

// --- customers --------------------------------------------------------------------------------

test("customers: create, retrieve, update, list, delete", async () => {
  const email = `sdk-${unique()}@example.com`
  const created = await must(cl().customers.create({ email, reference: "SDK-NEW", metadata: { a: 1 } }))
  assert.equal(created.type, "customers")
  assert.equal(created.email, email)
  const retrieved = await must(cl().customers.retrieve(created.id))
  assert.equal(retrieved.reference, "SDK-NEW")
  const updated = await must(cl().customers.update({ id: created.id, reference: "SDK-CHANGED" }))
  assert.equal(updated.reference, "SDK-CHANGED")
  const listed = await must(cl().customers.list({ filters: { email_eq: email } }))
  assert.deepEqual(ids(listed), [created.id])
  await must(cl().customers.delete(created.id))
  const error = await apiError(cl().customers.retrieve(created.id))
  assert.equal(error.status, 404)
})

test("customers: relationship helpers", async () => {
  const sources = await must(cl().customers.customer_payment_sources(world.customer.id))
  assert.ok(sources.map((source) => source.id).includes(world.sourceId))
  const orders = await must(cl().customers.orders(world.customer.id))
  assert.ok(orders.map((order) => order.id).includes(world.orderId))
})

test("customers: include and sparse fields", async () => {
  const customer = await must(cl().customers.retrieve(world.customer.id, {
    include: ["customer_payment_sources"],
    fields: { customers: ["email", "customer_payment_sources"] },
  }))
  assert.equal(customer.email, world.customer.email)
  assert.equal(customer.reference, undefined)
  assert.ok(customer.customer_payment_sources.some((source) => source.id === world.sourceId))
  assert.ok(customer.customer_payment_sources.every((source) => source.created_at))
})

test("customers: filters, sort and pagination metadata", async () => {
  const first = await must(cl().customers.list({
    pageSize: 2,
    pageNumber: 1,
    sort: { created_at: "asc" },
  }))
  assert.equal(first.length, 2)
  assert.ok(first.recordCount >= 4)
  assert.equal(first.pageCount, Math.ceil(first.recordCount / 2))
  assert.equal(first.hasNextPage(), true)
  assert.equal(first.hasPrevPage(), false)
  const last = await must(cl().customers.list({
    pageSize: 2,
    pageNumber: first.pageCount,
    sort: { created_at: "asc" },
  }))
  assert.equal(last.hasNextPage(), false)
  const descending = await must(cl().customers.list({ sort: ["-created_at"], pageSize: 25 }))
  const times = Array.from(descending, (customer) => customer.created_at)
  assert.deepEqual(times, [...times].sort().reverse())
  const some = await must(cl().customers.list({ filters: { id_in: world.otherCustomerIds } }))
  assert.deepEqual(ids(some).sort(), [...world.otherCustomerIds].sort())
  assert.equal(await must(cl().customers.count({ filters: { id_in: world.otherCustomerIds } })), 3)
})

// --- orders -----------------------------------------------------------------------------------

test("orders: create with explicit attributes, retrieve, update, delete", async () => {
  const created = await must(cl().orders.create({
    currency_code: "EUR",
    total_amount_cents: 1200,
    customer: cl().customers.relationship(world.customer.id),
  }))
  assert.equal(created.status, "draft")
  const updated = await must(cl().orders.update({ id: created.id, reference: "SDK-ORDER" }))
  assert.equal(updated.reference, "SDK-ORDER")
  const retrieved = await must(cl().orders.retrieve(created.id, { include: ["customer"] }))
  assert.equal(retrieved.customer.id, world.customer.id)
  await must(cl().orders.delete(created.id))
  assert.equal((await apiError(cl().orders.retrieve(created.id))).status, 404)
})

test("orders: create({customer}) with the defaults", async () => {
  const created = await must(cl().orders.create({
    customer: cl().customers.relationship(world.customer.id),
  }))
  assert.equal(created.total_amount_cents, 0)
  assert.ok(created.currency_code)
})

test("orders: create with customer_email", async () => {
  const created = await must(cl().orders.create({
    customer_email: `guest-${unique()}@example.com`,
    currency_code: "EUR",
    total_amount_cents: 100,
  }))
  assert.ok(created.customer_email)
})

test("orders: list, filter, sort and relationship helpers", async () => {
  const orders = await must(cl().orders.list({
    filters: { customer_id_eq: world.customer.id },
    sort: { created_at: "desc" },
  }))
  assert.ok(orders.map((order) => order.id).includes(world.orderId))
  const customer = await must(cl().orders.customer(world.orderId))
  assert.equal(customer.id, world.customer.id)
  const payments = await cl().orders.external_payments?.(world.orderId)
  if (payments !== undefined) assert.ok(payments.some((payment) => payment.id === world.paymentId))
  const available = await must(cl().orders.available_customer_payment_sources(world.orderId))
  assert.ok(available.map((source) => source.id).includes(world.sourceId))
})

test("orders: payment_method relationship", async () => {
  const method = await must(cl().orders.payment_method(world.orderId))
  assert.equal(method.type, "payment_methods")
})

test("orders: _place and _capture triggers", async () => {
  const order = await must(cl().orders.create({
    currency_code: "EUR",
    total_amount_cents: 500,
    customer: cl().customers.relationship(world.customer.id),
  }))
  await must(cl().external_payments.create({
    payment_source_token: "tok_test_visa_4242_1230",
    order: cl().orders.relationship(order.id),
  }))
  const placed = await must(cl().orders._place(order.id))
  assert.equal(placed.status, "placed")
  assert.equal(placed.payment_status, "authorized")
  const captured = await must(cl().orders._capture(order.id))
  assert.equal(captured.payment_status, "paid")
})

// --- external payments --------------------------------------------------------------------

test("external_payments: create, retrieve, update, list, delete", async () => {
  const order = await must(cl().orders.create({
    currency_code: "EUR",
    total_amount_cents: 700,
    customer: cl().customers.relationship(world.customer.id),
  }))
  const created = await must(cl().external_payments.create({
    payment_source_token: "tok_test_visa_4242_1230",
    order: cl().orders.relationship(order.id),
    reference: "SDK-PAY",
  }))
  assert.equal(created.type, "external_payments")
  const updated = await must(cl().external_payments.update({ id: created.id, reference: "SDK-PAY-2" }))
  assert.equal(updated.reference, "SDK-PAY-2")
  const retrieved = await must(cl().external_payments.retrieve(created.id, { include: ["order"] }))
  assert.equal(retrieved.order.id, order.id)
  const listed = await must(cl().external_payments.list({ filters: { order_id_eq: order.id } }))
  assert.deepEqual(ids(listed), [created.id])
  await must(cl().external_payments.delete(created.id))
  assert.equal((await apiError(cl().external_payments.retrieve(created.id))).status, 404)
})

test("external_payments: relationship helpers", async () => {
  const order = await must(cl().external_payments.order(world.paymentId))
  assert.equal(order.id, world.orderId)
  const gateway = await must(cl().external_payments.payment_gateway(world.paymentId))
  assert.equal(gateway.id, world.gatewayId)
  const wallet = await must(cl().external_payments.wallet(world.paymentId))
  assert.equal(wallet.id, world.sourceId)
})

// --- customer payment sources -------------------------------------------------------------

test("customer_payment_sources: create with tokens, retrieve, update, list, delete", async () => {
  const created = await must(cl().customer_payment_sources.create({
    customer_token: `cus_${unique()}`,
    payment_source_token: "tok_test_visa_4242_1230",
    customer: cl().customers.relationship(world.customer.id),
  }))
  assert.equal(created.type, "customer_payment_sources")
  const updated = await must(cl().customer_payment_sources.update({
    id: created.id,
    reference: "SDK-CARD",
    metadata: { nickname: "work" },
  }))
  assert.equal(updated.reference, "SDK-CARD")
  const retrieved = await must(cl().customer_payment_sources.retrieve(created.id, {
    include: ["customer"],
  }))
  assert.equal(retrieved.customer.id, world.customer.id)
  const listed = await must(cl().customer_payment_sources.list({
    filters: { customer_id_eq: world.customer.id, reference_eq: "SDK-CARD" },
  }))
  assert.deepEqual(ids(listed), [created.id])
  await must(cl().customer_payment_sources.delete(created.id))
  assert.equal((await apiError(cl().customer_payment_sources.retrieve(created.id))).status, 404)
})

test("customer_payment_sources: create from a payment without tokens", async () => {
  const created = await must(cl().customer_payment_sources.create({
    customer: cl().customers.relationship(world.customer.id),
    payment_source: cl().external_payments.relationship(world.sparePaymentId),
  }))
  assert.equal(created.payment_source_token, world.sparePaymentToken)
  const source = await must(
    cl().customer_payment_sources.retrieve(created.id, { include: ["payment_source"] }),
  )
  assert.equal(source.payment_source.id, world.sparePaymentId)
})

test("customer_payment_sources: relationship helpers and include", async () => {
  const customer = await must(cl().customer_payment_sources.customer(world.sourceId))
  assert.equal(customer.id, world.customer.id)
  const source = await must(cl().customer_payment_sources.retrieve(world.sourceId, {
    include: ["payment_source"],
  }))
  assert.equal(source.payment_source.id, world.paymentId)
})

test("customer_payment_sources: payment_method", async () => {
  const method = await must(cl().customer_payment_sources.payment_method(world.sourceId))
  assert.equal(method.type, "payment_methods")
})

// --- other resources ----------------------------------------------------------------------

test("payment_gateways: list and retrieve", async () => {
  const gateways = await must(cl().payment_gateways.list())
  assert.ok(gateways.some((gateway) => gateway.id === world.gatewayId))
  const gateway = await must(cl().payment_gateways.retrieve(world.gatewayId))
  assert.equal(gateway.id, world.gatewayId)
})

test("payment_methods: list", async () => {
  const methods = await must(cl().payment_methods.list())
  assert.ok(methods.length > 0)
})

test("event_stores: list (the SDK sends page[number]=1)", async () => {
  const events = await must(cl().event_stores.list({ pageSize: 5 }))
  assert.ok(events.length > 0)
  const ofCustomer = await must(cl().customers.event_stores(world.otherCustomerIds[0]))
  assert.ok(ofCustomer.length >= 3)
})

// --- customer tokens --------------------------------------------------------------------------

test("a customer token lists only the customer's own sources", async () => {
  const login = await authenticate("password", {
    clientId: world.salesChannel.clientId,
    username: world.customer.email,
    password: world.customer.password,
  })
  const sources = await must(sdk(login.accessToken).customer_payment_sources.list())
  assert.ok(sources.length > 0)
  assert.ok(sources.every((source) => source.id !== undefined))
  const mine = await must(sdk(login.accessToken).customers.retrieve(world.customer.id))
  assert.equal(mine.email, world.customer.email)
  const error = await apiError(sdk(login.accessToken).customers.retrieve(world.otherCustomerIds[0]))
  assert.equal(error.status, 404)
})

test("the SDK's refreshToken hook replaces an expired token", async () => {
  let calls = 0
  const client = sdk(world.expiredCustomerToken, {
    refreshToken: async () => {
      calls += 1
      const auth = await authenticate("password", {
        clientId: world.salesChannel.clientId,
        username: world.customer.email,
        password: world.customer.password,
      })
      return auth.accessToken
    },
  })
  const customer = await must(client.customers.retrieve(world.customer.id))
  assert.equal(customer.id, world.customer.id)
  assert.equal(calls, 1)
  assert.notEqual(client.currentAccessToken, world.expiredCustomerToken)
})

// --- errors -----------------------------------------------------------------------------------

test("errors: 404 RECORD_NOT_FOUND", async () => {
  const error = await apiError(cl().customers.retrieve("doesnotexist"))
  assert.equal(cl().isApiError(error), true)
  assert.equal(error.status, 404)
  assert.equal(error.first().code, "RECORD_NOT_FOUND")
})

test("errors: 401 INVALID_TOKEN for a revoked token", async () => {
  const auth = await authenticate("client_credentials", world.integration)
  const response = await fetch(`${world.origin}/oauth/revoke`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_id: world.integration.clientId,
      client_secret: world.integration.clientSecret,
      token: auth.accessToken,
    }),
  })
  assert.equal(response.status, 200)
  const error = await apiError(sdk(auth.accessToken).customers.list())
  assert.equal(error.status, 401)
  assert.equal(error.first().code, "INVALID_TOKEN")
})

test("errors: 422 with source.pointer", async () => {
  const error = await apiError(cl().customers.create({ email: "not-an-email" }))
  assert.equal(error.status, 422)
  const first = error.first()
  assert.equal(first.code, "VALIDATION_ERROR")
  assert.equal(first.source.pointer, "/data/attributes/email")
})
