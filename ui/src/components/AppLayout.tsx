import { useState } from 'react';
import { NavLink, Outlet } from 'react-router';
import { logout } from '../api/endpoints';
import { tokenStore } from '../auth/tokenStore';
import { useTokenExpiry } from '../auth/useTokenExpiry';

const NAV_ITEMS = [
  { to: '/sessions', label: 'Sessions' },
  { to: '/logs', label: 'Logs' },
  { to: '/audit', label: 'Audit' },
  { to: '/settings', label: 'Settings' },
];

// The frame around every signed-in page: navigation and sign-out.
export function AppLayout() {
  const [signingOut, setSigningOut] = useState(false);
  useTokenExpiry();

  async function signOut() {
    setSigningOut(true);
    try {
      await logout();
    } catch {
      // The token is dropped locally either way.
    }
    tokenStore.signOut();
  }

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">opendray</span>
        <nav className="nav" aria-label="Main">
          {NAV_ITEMS.map((item) => (
            <NavLink key={item.to} to={item.to} className={({ isActive }) => (isActive ? 'nav-link active' : 'nav-link')}>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <button type="button" className="button button-quiet signout" onClick={signOut} disabled={signingOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
