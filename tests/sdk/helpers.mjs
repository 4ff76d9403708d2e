// Shared set-up of the SDK tests: the world created by tests/sdk/test_sdk.py, and the two
// redirections to the live test server, done through the SDKs' own options only.
import { CommerceLayer } from "@commercelayer/sdk/bundle"

export const world = JSON.parse(process.env.WALLET_SDK_WORLD ?? "null")
if (world == null) {
  throw new Error("WALLET_SDK_WORLD is not set: run these tests through tests/sdk/test_sdk.py")
}

const ORIGIN = world.origin

// js-auth calls https://auth.<domain>/oauth/token, /oauth/revoke and /.well-known/jwks.json
// with the global fetch: send those to the test server.
const nativeFetch = globalThis.fetch
globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url)
  if (url.hostname.startsWith("auth.")) {
    return nativeFetch(new URL(url.pathname + url.search, ORIGIN), init)
  }
  return nativeFetch(input, init)
}

// The SDK builds https://<organization>.<domain>/api/<path>: keep /api/<path> and the query.
function redirect({ url, options }) {
  const target = new URL(url)
  const path = target.pathname.slice(target.pathname.indexOf("/api/"))
  return { url: new URL(path + target.search, ORIGIN), options }
}

/** A Commerce Layer client built as its docs say, from the access token alone. */
export function sdk(accessToken, config = {}) {
  const cl = CommerceLayer({ accessToken, ...config })
  cl.addRequestInterceptor(redirect)
  return cl
}

/** The ApiError a promise rejects with (fails if it resolves). */
export async function apiError(promise) {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected the call to fail")
}

/** An in-memory js-auth storage. */
export function memoryStorage() {
  const items = new Map()
  return {
    name: "memory",
    async getItem(key) {
      return items.get(key) ?? null
    },
    async setItem(key, value) {
      items.set(key, value)
    },
    async removeItem(key) {
      items.delete(key)
    },
  }
}

/** The value of a promise; an ApiError is rethrown with its error objects in the message. */
export async function must(promise) {
  try {
    return await promise
  } catch (error) {
    if (error?.errors?.length) {
      throw new Error(`${error.status} ${JSON.stringify(error.errors)}`, { cause: error })
    }
    throw error
  }
}

/** The ids of a list response, as a plain array. */
export function ids(list) {
  return Array.from(list, (item) => item.id)
}
