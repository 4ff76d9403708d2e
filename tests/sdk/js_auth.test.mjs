// @commercelayer/js-auth against the wallet: grants without a secret for sales channels,
// JWT decoding and verification with our JWKS, and makeSalesChannel's authorization cache.
import assert from "node:assert/strict"
import { test } from "node:test"

import {
  authenticate,
  getCoreApiBaseEndpoint,
  jwtDecode,
  jwtVerify,
  makeIntegration,
  makeSalesChannel,
  revoke,
} from "@commercelayer/js-auth"

import { apiError, memoryStorage, sdk, world } from "./helpers.mjs"

const { integration, salesChannel, customer } = world

test("client credentials: an integration with its secret", async () => {
  const auth = await authenticate("client_credentials", integration)
  assert.equal(auth.errors, undefined)
  assert.equal(auth.tokenType, "bearer")
  assert.ok(auth.expires instanceof Date)
  const { payload } = jwtDecode(auth.accessToken)
  assert.equal(payload.application.kind, "integration")
  assert.equal(payload.application.public, false)
  assert.equal(payload.organization.slug, world.organization)
  assert.equal(payload.test, true)
})

test("client credentials: a sales channel with its client id only", async () => {
  const auth = await authenticate("client_credentials", {
    clientId: salesChannel.clientId,
    scope: "market:all",
  })
  assert.equal(auth.errors, undefined)
  const { payload } = jwtDecode(auth.accessToken)
  assert.equal(payload.application.kind, "sales_channel")
  assert.equal(payload.application.public, true)
  assert.equal(payload.owner, undefined)
})

test("password grant without a secret gives a customer token", async () => {
  const auth = await authenticate("password", {
    clientId: salesChannel.clientId,
    username: customer.email,
    password: customer.password,
  })
  assert.equal(auth.errors, undefined)
  assert.equal(auth.ownerId, customer.id)
  assert.equal(auth.ownerType, "customer")
  assert.ok(auth.refreshToken)
  assert.deepEqual(jwtDecode(auth.accessToken).payload.owner, {
    id: customer.id,
    type: "Customer",
  })
})

test("refresh grant without a secret rotates the refresh token", async () => {
  const first = await authenticate("password", {
    clientId: salesChannel.clientId,
    username: customer.email,
    password: customer.password,
  })
  const refreshed = await authenticate("refresh_token", {
    clientId: salesChannel.clientId,
    refreshToken: first.refreshToken,
  })
  assert.equal(refreshed.errors, undefined)
  assert.notEqual(refreshed.refreshToken, first.refreshToken)
  assert.equal(jwtDecode(refreshed.accessToken).payload.owner.id, customer.id)
})

test("a wrong password is an error answer", async () => {
  const auth = await authenticate("password", {
    clientId: salesChannel.clientId,
    username: customer.email,
    password: "not-the-password",
  })
  assert.equal(auth.accessToken, undefined)
  assert.equal(auth.errors[0].code, "INVALID_GRANT")
})

test("jwtVerify checks the signature against /.well-known/jwks.json", async () => {
  const auth = await authenticate("client_credentials", integration)
  const verified = await jwtVerify(auth.accessToken)
  assert.equal(verified.header.alg, "RS512")
  assert.equal(verified.payload.application.client_id, integration.clientId)
})

test("jwtVerify rejects a tampered token", async () => {
  const auth = await authenticate("client_credentials", integration)
  const [header, payload, signature] = auth.accessToken.split(".")
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString())
  claims.test = false
  const forged = Buffer.from(JSON.stringify(claims)).toString("base64url")
  await assert.rejects(jwtVerify(`${header}.${forged}.${signature}`), /signature/i)
})

test("getCoreApiBaseEndpoint reads the organization from the token", async () => {
  const auth = await authenticate("client_credentials", integration)
  assert.match(getCoreApiBaseEndpoint(auth.accessToken), new RegExp(world.organization))
})

test("makeSalesChannel().getAuthorization() gets a guest token", async () => {
  const channel = makeSalesChannel(
    { clientId: salesChannel.clientId, scope: "market:all" },
    { storage: memoryStorage() },
  )
  const authorization = await channel.getAuthorization()
  assert.equal(authorization.ownerType, "guest")
  assert.ok(authorization.expiresIn > 0)
  const cl = sdk(authorization.accessToken)
  await cl.payment_gateways.list()
})

test("makeSalesChannel refreshes a customer authorization near its expiry", async () => {
  const channel = makeSalesChannel(
    { clientId: salesChannel.clientId, scope: "market:all" },
    { storage: memoryStorage() },
  )
  const login = await authenticate("password", {
    clientId: salesChannel.clientId,
    username: customer.email,
    password: customer.password,
    scope: "market:all",
  })
  assert.equal(login.scope, "market:all")
  await channel.setCustomer({
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    scope: login.scope,
  })
  // The test server's tokens live 500 s: under js-auth's 10-minute threshold.
  const authorization = await channel.getAuthorization()
  assert.equal(authorization.ownerType, "customer")
  assert.equal(authorization.ownerId, customer.id)
  assert.notEqual(authorization.accessToken, login.accessToken)
  assert.notEqual(authorization.refreshToken, login.refreshToken)
})

test("makeSalesChannel().logoutCustomer() revokes the customer token", async () => {
  const storage = memoryStorage()
  const channel = makeSalesChannel({ clientId: salesChannel.clientId }, { storage })
  const login = await authenticate("password", {
    clientId: salesChannel.clientId,
    username: customer.email,
    password: customer.password,
  })
  await channel.setCustomer({ accessToken: login.accessToken, scope: login.scope })
  // Without a refresh token the near-expiry authorization is dropped, so revoke directly.
  await revoke({ clientId: salesChannel.clientId, token: login.accessToken })
  const error = await apiError(sdk(login.accessToken).customers.retrieve(customer.id))
  assert.equal(error.status, 401)
})

test("makeIntegration().getAuthorization() gets an integration token", async () => {
  const auth = makeIntegration(integration, { storage: memoryStorage() })
  const authorization = await auth.getAuthorization()
  assert.equal(authorization.ownerType, "guest")
  assert.equal(jwtDecode(authorization.accessToken).payload.application.kind, "integration")
})

test("revoke() ends an integration token", async () => {
  const auth = await authenticate("client_credentials", integration)
  await revoke({ ...integration, token: auth.accessToken })
  const error = await apiError(sdk(auth.accessToken).customers.list())
  assert.equal(error.status, 401)
  assert.equal(error.first().code, "INVALID_TOKEN")
})
