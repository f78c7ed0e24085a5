// Chromium switches for WebGPU without a GPU (headless Chromium only offers SwiftShader), and nothing phoning home
// (this machine has no network; without the background-networking switches Chromium retries refused connections).
// Shared by playwright.config.ts and the browser benchmark (bench/inference.ts).
export const CHROMIUM_WEBGPU_ARGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
