// The dashboard's HTTP routes on the metrics server: the page and its two static files (shipped
// in the package under assets/dashboard/, served by the app itself: no CDN, no build step) and
// /api/status, the JSON the page polls once a second.
import { readFile } from 'node:fs/promises'
import type { ExtraRoutes } from '../runtime/metrics.js'
import type { StatusSampler } from './status.js'

// dist/src/dashboard/routes.js -> assets/dashboard/ at the package root.
export const ASSETS_DIR = new URL('../../../assets/dashboard/', import.meta.url)

const ASSETS: Record<string, { file: string, type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' }
}

// Everything comes from this origin: a page that tried to load a CDN script would be refused.
const HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
}

export function dashboardRoutes (sampler: StatusSampler): ExtraRoutes {
  const cache = new Map<string, Promise<Buffer>>()
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') return false
    if (path === '/api/status') {
      sampler.status().then(status => {
        res.writeHead(200, { ...HEADERS, 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : JSON.stringify(status))
      }, (error: Error) => res.writeHead(500, HEADERS).end(error.message))
      return true
    }
    const asset = ASSETS[path]
    if (asset === undefined) return false
    let body = cache.get(asset.file)
    if (body === undefined) {
      body = readFile(new URL(asset.file, ASSETS_DIR))
      cache.set(asset.file, body)
    }
    body.then(
      bytes => res.writeHead(200, { ...HEADERS, 'content-type': asset.type }).end(req.method === 'HEAD' ? undefined : bytes),
      (error: Error) => { cache.delete(asset.file); res.writeHead(500, HEADERS).end(`dashboard asset missing: ${error.message}`) })
    return true
  }
}
