// Telling an agent about a new urgent chat: a short tone, the page title, and a desktop
// notification when the browser allows it. Each is best-effort: a browser that refuses one
// (no permission, audio blocked until a click) still gets the others and the in-page notice.

let audio: AudioContext | null = null;

/** Call from a click: browsers let audio start only after a user gesture. */
export function unlockSound(): void {
  try {
    audio ??= new AudioContext();
    void audio.resume();
  } catch {
    audio = null;
  }
}

/** Two short beeps (no sound file to ship or fetch). */
export function playAlertTone(): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    for (const offset of [0, 0.25]) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.2);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.2);
    }
  } catch {
    // no audio here: the title and the notices still tell the agent
  }
}

export function notificationsAllowed(): boolean {
  return typeof Notification !== "undefined" && Notification.permission === "granted";
}

export async function askForNotifications(): Promise<boolean> {
  if (typeof Notification === "undefined") return false;
  if (Notification.permission === "default") await Notification.requestPermission();
  return Notification.permission === "granted";
}

export function desktopNotify(title: string, body: string, onClick: () => void): void {
  if (!notificationsAllowed()) return;
  try {
    const notice = new Notification(title, { body, tag: title + body, requireInteraction: false });
    notice.onclick = () => {
      window.focus();
      onClick();
      notice.close();
    };
  } catch {
    // some browsers allow notifications only from a service worker
  }
}
